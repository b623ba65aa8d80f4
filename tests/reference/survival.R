# Reference figures for metsor.stats, computed with R's survival package.
#
# Run from the repository root:
#   Rscript tests/reference/survival.R
# It writes tests/reference/survival_reference.json: the R and package versions, every input
# dataset (so the tests need no R), and every figure the tests compare against.
#
# Datasets: lung, veteran, ovarian, colon (deaths, Lev+5FU vs Obs), aml, retinopathy, all
# shipped with survival; "ties" (synthetic, heavy ties on a 1..12 month grid), "near_ties"
# (synthetic, times equal up to rounding error, which R merges) and "flat"
# (small, survival exactly 0.5 over an interval in both arms). veteran trt 2 also has a flat
# 0.5 segment (median 52.5).

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

conf_types <- c("log", "log-log", "plain")

two_arm <- function(name, time, status, group, reference, experimental,
                    strata = NULL, extra = NULL, tau, at) {
  keep <- group %in% c(reference, experimental)
  d <- data.frame(time = as.numeric(time[keep]), status = as.integer(status[keep]),
                  group = as.character(group[keep]), stringsAsFactors = FALSE)
  if (!is.null(strata)) d$strata <- as.character(strata[keep])
  if (!is.null(extra)) for (nm in names(extra)) d[[nm]] <- as.numeric(extra[[nm]][keep])
  d$arm <- as.numeric(d$group == experimental)
  d <- d[complete.cases(d), ]
  rownames(d) <- NULL
  list(name = name, data = d, reference = reference, experimental = experimental,
       extra = names(extra), tau = tau, at = at)
}

km_figures <- function(d, conf_type, at, tau) {
  out <- list()
  for (g in sort(unique(d$group), method = "radix")) {
    sub <- d[d$group == g, ]
    fit <- survfit(Surv(time, status) ~ 1, data = sub, conf.type = conf_type)
    tab <- summary(fit)$table
    q <- quantile(fit, probs = 0.5)
    s <- summary(fit, times = at, extend = TRUE)
    rm <- summary(fit, rmean = tau)$table
    out[[g]] <- list(
      time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
      surv = fit$surv, std_err = fit$std.err, lower = fit$lower, upper = fit$upper,
      median = unname(tab["median"]), median_lower = unname(tab["0.95LCL"]),
      median_upper = unname(tab["0.95UCL"]),
      quantile_median = unname(q$quantile), quantile_lower = unname(q$lower),
      quantile_upper = unname(q$upper),
      at = list(time = s$time, n_risk = s$n.risk, n_event = s$n.event, surv = s$surv,
                std_err = s$std.err, lower = s$lower, upper = s$upper),
      rmean = unname(rm["rmean"]), rmean_se = unname(rm["se(rmean)"]))
  }
  out
}

logrank_figures <- function(fml, d) {
  sd <- survdiff(fml, data = d)
  obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
  exp <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
  list(observed = unname(obs), expected = unname(exp), variance = unname(sd$var),
       chisq = sd$chisq, df = length(sd$n) - 1L, p = sd$pvalue, n = unname(as.vector(sd$n)))
}

cox_figures <- function(fml, d, ties) {
  fit <- coxph(fml, data = d, ties = ties)
  s <- summary(fit)
  zph <- lapply(c(km = "km", rank = "rank", identity = "identity"), function(tr) {
    z <- cox.zph(fit, transform = tr)
    list(terms = rownames(z$table), chisq = unname(z$table[, "chisq"]),
         df = unname(z$table[, "df"]), p = unname(z$table[, "p"]))
  })
  list(coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
       var = unname(vcov(fit)), hr = unname(exp(coef(fit))),
       hr_lower = unname(s$conf.int[, "lower .95"]), hr_upper = unname(s$conf.int[, "upper .95"]),
       z = unname(s$coefficients[, "z"]), p = unname(s$coefficients[, "Pr(>|z|)"]),
       loglik = unname(fit$loglik), score = unname(fit$score), wald = unname(fit$wald.test),
       lrt = unname(s$logtest["test"]), iter = fit$iter, zph = zph)
}

case_figures <- function(case) {
  d <- case$data
  has_strata <- !is.null(d$strata)
  km <- lapply(setNames(conf_types, conf_types), function(ct) km_figures(d, ct, case$at, case$tau))
  lr <- logrank_figures(Surv(time, status) ~ group, d)
  lr_strat <- if (has_strata) logrank_figures(Surv(time, status) ~ group + strata(strata), d)
  cox <- list()
  for (ties in c("efron", "breslow")) {
    cox[[ties]] <- cox_figures(Surv(time, status) ~ arm, d, ties)
    if (has_strata) {
      cox[[paste0(ties, "_strata")]] <- cox_figures(Surv(time, status) ~ arm + strata(strata),
                                                    d, ties)
    }
    if (length(case$extra)) {
      fml <- as.formula(paste("Surv(time, status) ~", paste(c("arm", case$extra), collapse = "+")))
      cox[[paste0(ties, "_multi")]] <- cox_figures(fml, d, ties)
    }
  }
  list(name = case$name, reference = case$reference, experimental = case$experimental,
       covariates = c("arm", case$extra), tau = case$tau, at = case$at,
       data = as.list(d), km = km, logrank = lr, logrank_strata = lr_strat, cox = cox)
}

set.seed(20160201)
ties_n <- 300
ties_data <- data.frame(
  time = sample(1:12, ties_n, replace = TRUE),
  status = rbinom(ties_n, 1, 0.7),
  group = sample(c("control", "metformin"), ties_n, replace = TRUE),
  site = sample(c("s1", "s2", "s3"), ties_n, replace = TRUE),
  x = rbinom(ties_n, 1, 0.4))
# Hazard a little lower in the metformin arm, so that the fits have something to find.
ties_data$time <- ifelse(ties_data$group == "metformin",
                         pmin(12, ties_data$time + rbinom(ties_n, 2, 0.3)), ties_data$time)

flat_data <- data.frame(
  time = c(1, 2, 3, 4, 5, 6, 7, 8, 2, 3, 3, 5, 6, 9, 10, 12),
  status = c(1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1),
  group = rep(c("a", "b"), each = 8))

# Times equal up to rounding error (relative 3e-11) are ties for R (aeqSurv, timefix = TRUE);
# times 1e-6 apart (relative) are not.
set.seed(1975)
near_base <- round(rexp(120, 1 / 12), 4) + 0.01
near_data <- data.frame(
  time = c(near_base, near_base[1:40] * (1 + 3e-11), near_base[41:60] * (1 + 1e-6)),
  status = rbinom(180, 1, 0.75),
  group = sample(c("control", "metformin"), 180, replace = TRUE),
  site = sample(c("s1", "s2"), 180, replace = TRUE),
  x = round(rnorm(180), 3))

colon_deaths <- colon[colon$etype == 2, ]
lung_cc <- lung[!is.na(lung$ph.ecog), ]
cases <- list(
  two_arm("lung", lung_cc$time, lung_cc$status - 1,
          ifelse(lung_cc$sex == 1, "male", "female"), "male", "female",
          strata = lung_cc$ph.ecog, extra = list(age = lung_cc$age, ph_ecog = lung_cc$ph.ecog),
          tau = 730, at = c(0, 90, 180, 365, 730, 1200)),
  two_arm("veteran", veteran$time, veteran$status,
          ifelse(veteran$trt == 1, "standard", "test"), "standard", "test",
          strata = veteran$celltype, extra = list(karno = veteran$karno, age = veteran$age),
          tau = 365, at = c(30, 52, 53, 90, 180, 365)),
  two_arm("ovarian", ovarian$futime, ovarian$fustat,
          ifelse(ovarian$rx == 1, "cyclophosphamide", "paclitaxel"), "cyclophosphamide",
          "paclitaxel", strata = ovarian$resid.ds, extra = list(age = ovarian$age),
          tau = 1000, at = c(100, 365, 730)),
  two_arm("colon", colon_deaths$time, colon_deaths$status, as.character(colon_deaths$rx),
          "Obs", "Lev+5FU", strata = colon_deaths$node4,
          extra = list(age = colon_deaths$age, sex = colon_deaths$sex),
          tau = 2500, at = c(365, 730, 1826, 3000)),
  two_arm("aml", aml$time, aml$status, as.character(aml$x), "Nonmaintained", "Maintained",
          tau = 40, at = c(5, 12, 23, 48)),
  two_arm("retinopathy", retinopathy$futime, retinopathy$status,
          ifelse(retinopathy$trt == 1, "laser", "control"), "control", "laser",
          strata = retinopathy$risk, extra = list(age = retinopathy$age),
          tau = 60, at = c(12, 24, 48)),
  two_arm("ties", ties_data$time, ties_data$status, ties_data$group, "control", "metformin",
          strata = ties_data$site, extra = list(x = ties_data$x), tau = 10, at = c(1, 6, 12)),
  two_arm("near_ties", near_data$time, near_data$status, near_data$group, "control",
          "metformin", strata = near_data$site, extra = list(x = near_data$x), tau = 20,
          at = c(2, 10, 20)),
  two_arm("flat", flat_data$time, flat_data$status, flat_data$group, "a", "b",
          tau = 8, at = c(3, 3.5, 4, 9)))

multi_group <- list(
  veteran_celltype = list(time = veteran$time, status = veteran$status,
                          group = as.character(veteran$celltype),
                          strata = ifelse(veteran$trt == 1, "standard", "test")),
  colon_rx = list(time = colon_deaths$time, status = colon_deaths$status,
                  group = as.character(colon_deaths$rx), strata = as.character(colon_deaths$sex)))
multi_group_figures <- lapply(multi_group, function(m) {
  d <- as.data.frame(m, stringsAsFactors = FALSE)
  list(data = m, logrank = logrank_figures(Surv(time, status) ~ group, d),
       logrank_strata = logrank_figures(Surv(time, status) ~ group + strata(strata), d))
})

# Proportions: responders / patients per arm, experimental first. (56/70 vs 48/80 is the worked
# example of Newcombe 1998, Stat Med 17:873, Table II.)
tables <- list(c(56, 70, 48, 80), c(9, 10, 3, 10), c(0, 20, 5, 20), c(20, 20, 15, 20),
               c(5, 41, 2, 41), c(30, 100, 15, 100), c(1, 15, 0, 15), c(7, 41, 7, 41),
               c(12, 40, 25, 42))
newcombe <- function(x1, n1, x2, n2, conf.level = 0.95) {
  # Newcombe (1998) method 10: hybrid of the two Wilson score intervals (prop.test, no
  # continuity correction, gives the Wilson interval).
  w1 <- prop.test(x1, n1, correct = FALSE, conf.level = conf.level)$conf.int
  w2 <- prop.test(x2, n2, correct = FALSE, conf.level = conf.level)$conf.int
  p1 <- x1 / n1
  p2 <- x2 / n2
  c(p1 - p2 - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2),
    p1 - p2 + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
}
proportion_figures <- lapply(tables, function(t) {
  m <- matrix(c(t[1], t[2] - t[1], t[3], t[4] - t[3]), 2, byrow = TRUE)
  ft <- fisher.test(m)
  wilson <- function(x, n) {
    suppressWarnings(prop.test(x, n, correct = FALSE)$conf.int[1:2])
  }
  list(x1 = t[1], n1 = t[2], x2 = t[3], n2 = t[4],
       cp1 = binom.test(t[1], t[2])$conf.int[1:2], cp2 = binom.test(t[3], t[4])$conf.int[1:2],
       wilson1 = wilson(t[1], t[2]), wilson2 = wilson(t[3], t[4]),
       newcombe = suppressWarnings(newcombe(t[1], t[2], t[3], t[4])),
       fisher_p = ft$p.value, fisher_or = unname(ft$estimate), fisher_ci = ft$conf.int[1:2])
})

out <- list(
  generated_by = "tests/reference/survival.R",
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  cases = setNames(lapply(cases, case_figures), sapply(cases, function(x) x$name)),
  multi_group = multi_group_figures,
  proportions = proportion_figures)

target <- file.path("tests", "reference", "survival_reference.json")
writeLines(toJSON(out, digits = I(17), na = "null", auto_unbox = TRUE, null = "null"), target)
cat("wrote", target, "\n")
