# Reference figures for metsor.analysis.subgroups, computed with R's survival package.
#
# Run from the repository root:
#   Rscript tests/reference/subgroups.R
# It writes tests/reference/subgroups_reference.json: the R and package versions, the input
# data (so the tests need no R) and, per subgroup factor, the hazard ratio of Lev+5FU against
# Obs within each level (coxph, Efron ties, Wald interval) and the test of the arm-by-factor
# interaction: likelihood ratio of coxph(Surv ~ arm * factor) against
# coxph(Surv ~ arm + factor) (anova), with the Wald test of the interaction terms beside it.
#
# Data: survival::colon, deaths (etype 2), arms Obs (reference) and Lev+5FU (experimental);
# factors sex, differ (3 levels, with missing values, left out of that factor's analysis),
# node4, obstruct, extent.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

d <- subset(colon, etype == 2 & rx %in% c("Obs", "Lev+5FU"))
d$arm <- as.numeric(d$rx == "Lev+5FU")
d$time <- d$time / 30.4375
factors <- c("sex", "differ", "node4", "obstruct", "extent")

results <- list()
for (f in factors) {
  x <- d[!is.na(d[[f]]), ]
  x$level <- factor(as.character(x[[f]]))
  levels_out <- list()
  for (lv in levels(x$level)) {
    s <- x[x$level == lv, ]
    fit <- coxph(Surv(time, status) ~ arm, data = s, ties = "efron")
    ci <- summary(fit)$conf.int
    levels_out[[lv]] <- list(
      level = lv,
      n = nrow(s),
      events = sum(s$status),
      hazard_ratio = unname(ci[1, "exp(coef)"]),
      lower = unname(ci[1, "lower .95"]),
      upper = unname(ci[1, "upper .95"])
    )
  }
  reduced <- coxph(Surv(time, status) ~ arm + level, data = x, ties = "efron")
  full <- coxph(Surv(time, status) ~ arm * level, data = x, ties = "efron")
  lr <- anova(reduced, full)
  terms <- grep(":", names(coef(full)))
  b <- coef(full)[terms]
  v <- vcov(full)[terms, terms, drop = FALSE]
  wald <- as.numeric(t(b) %*% solve(v) %*% b)
  results[[f]] <- list(
    factor = f,
    levels = unname(levels_out),
    interaction_lr_chi2 = lr$Chisq[2],
    interaction_df = lr$Df[2],
    interaction_lr_p = lr[["Pr(>|Chi|)"]][2],
    interaction_wald_chi2 = wald,
    interaction_wald_p = pchisq(wald, length(terms), lower.tail = FALSE)
  )
}

data_out <- list(time = d$time, status = d$status, arm = ifelse(d$arm == 1, "Lev+5FU", "Obs"))
for (f in factors) data_out[[f]] <- ifelse(is.na(d[[f]]), NA, as.character(d[[f]]))

out <- list(
  generated_by = "tests/reference/subgroups.R",
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  data = data_out,
  factors = unname(results)
)
write_json(out, "tests/reference/subgroups_reference.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE, na = "null")
