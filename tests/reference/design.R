# Reference values for metsor.design, computed with rpact.
# Run from the repository root:  Rscript tests/reference/design.R
# Writes tests/reference/design_reference.json (R and rpact versions recorded in it).
suppressPackageStartupMessages({
  library(rpact)
  library(jsonlite)
})

out_file <- "tests/reference/design_reference.json"

design_fixed <- function(alpha, sides, beta = 0.2) {
  getDesignGroupSequential(kMax = 1, alpha = alpha, sided = sides, beta = beta)
}

# ---- sample size: Schoenfeld and Freedman over a grid --------------------------------------
sample_size <- list()
medians <- list(c(10.7, 16), c(10.7, 14), c(6.5, 9.5), c(7.9, 10.7), c(12, 8))
levels <- list(c(0.05, 2), c(0.025, 1), c(0.1, 2))
for (method in c("Schoenfeld", "Freedman")) {
  for (m in medians) {
    for (lv in levels) {
      for (ratio in c(1, 2, 0.5)) {
        for (dropout in c(0, 0.1)) {
          for (pw in c(0.8, 0.9)) {
            accrual <- if (m[1] < 8) 18 else 24
            follow <- if (dropout > 0) 18 else 12
            x <- getSampleSizeSurvival(
              design = design_fixed(lv[1], lv[2], 1 - pw), typeOfComputation = method,
              median1 = m[2], median2 = m[1], accrualTime = c(0, accrual),
              followUpTime = follow, allocationRatioPlanned = ratio,
              dropoutRate1 = dropout, dropoutRate2 = dropout, dropoutTime = 12
            )
            sample_size[[length(sample_size) + 1]] <- list(
              call = sprintf(paste0(
                "getSampleSizeSurvival(design = getDesignGroupSequential(kMax = 1, alpha = %s, ",
                "sided = %s, beta = %s), typeOfComputation = '%s', median1 = %s, median2 = %s, ",
                "accrualTime = c(0, %s), followUpTime = %s, allocationRatioPlanned = %s, ",
                "dropoutRate1 = %s, dropoutRate2 = %s, dropoutTime = 12)"),
                lv[1], lv[2], 1 - pw, method, m[2], m[1], accrual, follow, ratio, dropout, dropout),
              method = tolower(method), median_control = m[1], median_experimental = m[2],
              alpha = lv[1], sides = lv[2], power = pw, accrual_months = accrual,
              follow_up_months = follow, allocation_ratio = ratio, dropout_per_year = dropout,
              events = x$maxNumberOfEvents, n = x$maxNumberOfSubjects, hr = x$hazardRatio,
              analysis_time = x$analysisTime[1, 1]
            )
          }
        }
      }
    }
  }
}

# ---- power at a given size (events expected at accrual + follow-up) -------------------------
power <- list()
for (method in c("Schoenfeld", "Freedman")) {
  for (m in medians) {
    for (lv in levels) {
      for (n in c(82, 150, 300)) {
        for (dropout in c(0, 0.1)) {
          ratio <- if (n == 150) 2 else 1
          lambda1 <- log(2) / m[2]
          lambda2 <- log(2) / m[1]
          ev <- getEventProbabilities(
            time = 36, lambda1 = lambda1, lambda2 = lambda2, accrualTime = c(0, 24),
            maxNumberOfSubjects = n, allocationRatioPlanned = ratio,
            dropoutRate1 = dropout, dropoutRate2 = dropout, dropoutTime = 12
          )
          events <- ev$cumulativeEventProbabilities * n
          p <- getPowerSurvival(
            design = getDesignGroupSequential(kMax = 1, alpha = lv[1], sided = lv[2]),
            typeOfComputation = method, median1 = m[2], median2 = m[1],
            accrualTime = c(0, 24), maxNumberOfSubjects = n, maxNumberOfEvents = events,
            allocationRatioPlanned = ratio, dropoutRate1 = dropout, dropoutRate2 = dropout,
            dropoutTime = 12, directionUpper = if (lv[2] == 1) m[1] > m[2] else NA
          )
          power[[length(power) + 1]] <- list(
            method = tolower(method), n = n, median_control = m[1], median_experimental = m[2],
            alpha = lv[1], sides = lv[2], accrual_months = 24, follow_up_months = 12,
            allocation_ratio = ratio, dropout_per_year = dropout,
            expected_events = events, power = p$overallReject
          )
        }
      }
    }
  }
}

# ---- expected events at calendar times (during and after accrual) ---------------------------
expected_events <- list()
for (time in c(6, 12, 24, 30, 36, 48)) {
  for (dropout in c(0, 0.05, 0.2)) {
    for (ratio in c(1, 2)) {
      ev <- getEventProbabilities(
        time = time, lambda1 = log(2) / 14, lambda2 = log(2) / 10.7, accrualTime = c(0, 24),
        maxNumberOfSubjects = 82, allocationRatioPlanned = ratio,
        dropoutRate1 = dropout, dropoutRate2 = dropout, dropoutTime = 12
      )
      expected_events[[length(expected_events) + 1]] <- list(
        time = time, n = 82, median_control = 10.7, median_experimental = 14,
        accrual_months = 24, dropout_per_year = dropout, allocation_ratio = ratio,
        expected_events = ev$cumulativeEventProbabilities * 82
      )
    }
  }
}
# piecewise-exponential control arm (hazard changes at 6 months), HR 0.75
piecewise <- list()
for (time in c(12, 30, 36)) {
  ev <- getEventProbabilities(
    time = time, piecewiseSurvivalTime = c(0, 6), lambda2 = c(0.05, 0.08), hazardRatio = 0.75,
    accrualTime = c(0, 24), maxNumberOfSubjects = 200, dropoutRate1 = 0.1,
    dropoutRate2 = 0.1, dropoutTime = 12
  )
  piecewise[[length(piecewise) + 1]] <- list(
    time = time, n = 200, piece_starts = c(0, 6), control_hazards = c(0.05, 0.08), hr = 0.75,
    accrual_months = 24, dropout_per_year = 0.1,
    expected_events = ev$cumulativeEventProbabilities * 200
  )
}

# ---- boundaries ------------------------------------------------------------------------------
spacings <- list(
  c(0.5, 1), c(1 / 3, 2 / 3, 1), c(0.25, 0.5, 0.75, 1), c(0.2, 0.4, 0.6, 0.8, 1),
  c(0.3, 0.7, 1), c(0.4, 1), c(0.15, 0.45, 0.8, 1)
)
types <- list(
  list(rpact = "asOF", metsor = "obf", gamma = NA), list(rpact = "asP", metsor = "pocock", gamma = NA),
  list(rpact = "asHSD", metsor = "hsd", gamma = -4), list(rpact = "asHSD", metsor = "hsd", gamma = -2),
  list(rpact = "asHSD", metsor = "hsd", gamma = 1), list(rpact = "OF", metsor = "classical-obf", gamma = NA),
  list(rpact = "P", metsor = "classical-pocock", gamma = NA)
)
boundaries <- list()
for (tp in types) {
  for (rates in spacings) {
    for (lv in list(c(0.025, 1), c(0.05, 2))) {
      args <- list(informationRates = rates, alpha = lv[1], sided = lv[2], typeOfDesign = tp$rpact)
      if (!is.na(tp$gamma)) args$gammaA <- tp$gamma
      d <- do.call(getDesignGroupSequential, args)
      boundaries[[length(boundaries) + 1]] <- list(
        looks = rates, alpha = lv[1], sides = lv[2], spending = tp$metsor,
        gamma = if (is.na(tp$gamma)) -4 else tp$gamma,
        z = d$criticalValues, cumulative_alpha = d$alphaSpent, nominal_p = d$stageLevels * lv[2]
      )
    }
  }
}
# non-binding beta-spending futility
futility <- list()
for (bt in list(c("bsOF", "obf"), c("bsP", "pocock"))) {
  for (rates in spacings[c(1, 2, 3, 5)]) {
    for (beta in c(0.2, 0.1)) {
      d <- getDesignGroupSequential(
        informationRates = rates, alpha = 0.025, sided = 1, typeOfDesign = "asOF",
        typeBetaSpending = bt[1], beta = beta, bindingFutility = FALSE
      )
      futility[[length(futility) + 1]] <- list(
        looks = rates, alpha = 0.025, sides = 1, spending = "obf", beta = beta,
        beta_spending = bt[2], z = d$criticalValues,
        futility = c(d$futilityBounds, d$criticalValues[length(rates)]),
        cumulative_beta = d$betaSpent, drift = sqrt(getDesignCharacteristics(d)$shift)
      )
    }
  }
}

# ---- simulation (rpact simulates one-sided tests only) --------------------------------------
simulation <- list()
sim_cases <- list(
  list(name = "metsor_alternative", median1 = 14, median2 = 10.7, events = 59, n = 82,
       rates = 1, iterations = 100000),
  list(name = "metsor_null", median1 = 10.7, median2 = 10.7, events = 59, n = 82,
       rates = 1, iterations = 100000),
  list(name = "three_looks_obf", median1 = 16, median2 = 10.7, events = 194, n = 300,
       rates = c(1 / 3, 2 / 3, 1), iterations = 20000)
)
for (sc in sim_cases) {
  d <- if (length(sc$rates) == 1) {
    getDesignGroupSequential(kMax = 1, alpha = 0.025, sided = 1)
  } else {
    getDesignGroupSequential(informationRates = sc$rates, alpha = 0.025, sided = 1, typeOfDesign = "asOF")
  }
  s <- getSimulationSurvival(
    design = d, median1 = sc$median1, median2 = sc$median2, accrualTime = c(0, 24),
    maxNumberOfSubjects = sc$n, plannedEvents = round(sc$rates * sc$events),
    maxNumberOfIterations = sc$iterations, seed = 20160203, directionUpper = FALSE
  )
  pa <- getPowerSurvival(
    design = d, median1 = sc$median1, median2 = sc$median2, accrualTime = c(0, 24),
    maxNumberOfSubjects = sc$n, maxNumberOfEvents = sc$events, directionUpper = FALSE
  )
  simulation[[length(simulation) + 1]] <- list(
    name = sc$name, n = sc$n, median_control = sc$median2, median_experimental = sc$median1,
    accrual_months = 24, events = sc$events, looks = sc$rates, alpha = 0.025, sides = 1,
    iterations = sc$iterations, simulated_power = s$overallReject,
    simulated_reject_by_look = as.numeric(s$rejectPerStage),
    analytic_power = if (sc$median1 == sc$median2) 0.025 else pa$overallReject
  )
}

reference <- list(
  generated_by = "tests/reference/design.R",
  r_version = R.version.string,
  rpact_version = as.character(packageVersion("rpact")),
  sample_size = sample_size, power = power, expected_events = expected_events,
  piecewise_expected_events = piecewise, boundaries = boundaries, futility = futility,
  simulation = simulation
)
writeLines(toJSON(reference, auto_unbox = TRUE, digits = NA, pretty = TRUE), out_file)
cat("wrote", out_file, "\n")
