# Reference values for metsor.design.interim, computed with rpact.
# Run from the repository root:  Rscript tests/reference/interim.R
# Writes tests/reference/interim_reference.json (R and rpact versions recorded in it).
#
# Each case is a design (looks, alpha, sides, spending, optional beta spending), the planned
# maximum of events and the events and z seen at the looks taken so far, z > 0 favouring the
# experimental arm. rpact's log-rank input is -z with directionUpper = FALSE. The design is
# recomputed at the observed information rates; the conditional power at each look taken k is
#   getConditionalPower(getStageResults(design, getDataset(overallEvents = ...,
#     overallLogRanks = -z, overallAllocationRatios = r), stage = k, directionUpper = FALSE),
#     nPlanned = events still to come at each later look, thetaH1 = hr_alternative,
#     allocationRatioPlanned = r)
# and again without thetaH1 for the conditional power under the observed hazard ratio (as
# getAnalysisResults(..., nPlanned, thetaH1) reports it); the repeated confidence intervals
# and p-values come from getAnalysisResults(design, dataset, directionUpper = FALSE,
# tolerance = 1e-13) at the last look taken. Bounds on the hazard-ratio scale come from
# getPowerSurvival(design, maxNumberOfEvents = ...), criticalValuesEffectScale (Lower when
# two-sided: the bound favouring the experimental arm); the cumulative power by look under
# hr_alternative is cumsum(rejectPerStage) of the same call (both directions when two-sided).
suppressPackageStartupMessages({
  library(rpact)
  library(jsonlite)
})

out_file <- "tests/reference/interim_reference.json"
tolerance <- 1e-13

type_of_design <- c(obf = "asOF", pocock = "asP", hsd = "asHSD",
                    "classical-obf" = "OF", "classical-pocock" = "P")
type_of_beta <- c(obf = "bsOF", pocock = "bsP", hsd = "bsHSD")

make_design <- function(case, rates) {
  args <- list(informationRates = rates, alpha = case$alpha, sided = case$sides,
               typeOfDesign = type_of_design[[case$spending]])
  if (case$spending == "hsd") args$gammaA <- case$gamma
  if (!is.null(case$beta_spending)) {
    args$beta <- case$beta
    args$typeBetaSpending <- type_of_beta[[case$beta_spending]]
    args$bindingFutility <- case$binding
    if (case$beta_spending == "hsd") args$gammaB <- case$beta_gamma
  }
  suppressWarnings(do.call(getDesignGroupSequential, args))
}

dataset_of <- function(case) {
  n <- length(case$events)
  getDataset(overallEvents = case$events, overallLogRanks = -case$z,
             overallAllocationRatios = rep(case$allocation_ratio, n))
}

# Information rates as rpact's getObservedInformationRates gives them; while looks remain,
# the planned fractions of the looks still to come follow the observed rates.
information_rates <- function(case) {
  eps <- if (case$information_epsilon > 0) case$information_epsilon else NULL
  obs <- suppressMessages(getObservedInformationRates(
    dataset_of(case), maxInformation = case$planned_events, informationEpsilon = eps))
  status <- c("interim-stage" = "interim", "final-stage" = "final",
              "over-running" = "over-running", "under-running" = "under-running")[[obs$status]]
  n <- length(case$events)
  rates <- obs$informationRates
  if (status == "interim" && n < length(case$looks)) {
    rates <- c(case$events / case$planned_events, case$looks[(n + 1):length(case$looks)])
  }
  list(rates = rates, status = status, maximum = obs$maxInformation)
}

finite_or_null <- function(x) lapply(x, function(v) if (is.na(v) || !is.finite(v)) NULL else v)

analyse <- function(case) {
  info <- information_rates(case)
  rates <- info$rates
  design <- make_design(case, rates)
  data <- dataset_of(case)
  n <- length(case$events)
  k_max <- length(rates)
  look_events <- rates * info$maximum
  cp <- list()
  cp_observed <- list()
  for (k in seq_len(n)) {
    if (k == k_max) {
      cp[[k]] <- NA
      cp_observed[[k]] <- NA
      next
    }
    n_planned <- diff(look_events[k:k_max])
    stage <- getStageResults(design, data, stage = k, directionUpper = FALSE)
    cp[[k]] <- getConditionalPower(
      stage, nPlanned = n_planned, thetaH1 = case$hr_alternative,
      allocationRatioPlanned = case$allocation_ratio)$conditionalPower[k_max]
    cp_observed[[k]] <- getConditionalPower(
      stage, nPlanned = n_planned,
      allocationRatioPlanned = case$allocation_ratio)$conditionalPower[k_max]
  }
  last <- suppressMessages(getAnalysisResults(
    design, data, stage = n, directionUpper = FALSE,
    nPlanned = if (n < k_max) diff(look_events[n:k_max]) else NA_real_,
    thetaH1 = case$hr_alternative, allocationRatioPlanned = case$allocation_ratio,
    tolerance = tolerance))
  power <- getPowerSurvival(
    design, maxNumberOfEvents = info$maximum, hazardRatio = case$hr_alternative,
    lambda2 = log(2) / 10.7, accrualTime = c(0, 24), maxNumberOfSubjects = 400,
    allocationRatioPlanned = case$allocation_ratio,
    directionUpper = if (case$sides == 1) FALSE else NA)
  hr_efficacy <- if (case$sides == 2) power$criticalValuesEffectScaleLower
                 else power$criticalValuesEffectScale
  hr_futility <- if (is.null(case$beta_spending)) rep(NA, k_max)
                 else if (case$sides == 2) c(power$futilityBoundsEffectScaleLower, NA)
                 else c(power$futilityBoundsEffectScale, NA)
  futility <- if (is.null(case$beta_spending)) rep(NA, k_max)
              else c(design$futilityBounds, design$criticalValues[k_max])
  c(case, list(
    call = sprintf(paste0(
      "getAnalysisResults(getDesignGroupSequential(informationRates = c(%s), alpha = %s, ",
      "sided = %s, typeOfDesign = '%s'%s), getDataset(overallEvents = c(%s), ",
      "overallLogRanks = c(%s), overallAllocationRatios = %s), directionUpper = FALSE, ",
      "thetaH1 = %s, tolerance = 1e-13)"),
      paste(signif(rates, 10), collapse = ", "), case$alpha, case$sides,
      type_of_design[[case$spending]],
      if (is.null(case$beta_spending)) "" else sprintf(
        ", beta = %s, typeBetaSpending = '%s', bindingFutility = %s", case$beta,
        type_of_beta[[case$beta_spending]], case$binding),
      paste(case$events, collapse = ", "), paste(-case$z, collapse = ", "),
      case$allocation_ratio, case$hr_alternative),
    information_rates = rates, status = info$status, maximum_events = info$maximum,
    critical_z = design$criticalValues,
    futility_z = finite_or_null(futility),
    conditional_power = finite_or_null(unlist(cp)),
    conditional_power_observed_hr = finite_or_null(unlist(cp_observed)),
    rci_lower = last$repeatedConfidenceIntervalLowerBounds[1:n],
    rci_upper = last$repeatedConfidenceIntervalUpperBounds[1:n],
    repeated_p_value = last$repeatedPValues[1:n],
    hr_efficacy_bound = as.numeric(hr_efficacy),
    cumulative_power = cumsum(as.numeric(power$rejectPerStage)),
    hr_futility_bound = finite_or_null(as.numeric(hr_futility))
  ))
}

case <- function(id, looks, events, z, spending = "obf", alpha = 0.025, sides = 1,
                 gamma = -4, planned = 59, hr = 0.76, ratio = 1, eps = 0,
                 beta = NULL, beta_spending = NULL, beta_gamma = -4, binding = FALSE) {
  list(id = id, looks = looks, alpha = alpha, sides = sides, spending = spending,
       gamma = gamma, beta = beta, beta_spending = beta_spending, beta_gamma = beta_gamma,
       binding = binding,
       planned_events = planned, events = events, z = z, hr_alternative = hr,
       allocation_ratio = ratio, information_epsilon = eps)
}

thirds <- c(1 / 3, 2 / 3, 1)
halves <- c(1 / 2, 1)
cases <- list(
  # the worked case of docs: Pocock-like, one-sided 0.025, 59 events, interim at 30, z = 2
  case("worked-pocock-30-of-59", halves, 30, 2.0, spending = "pocock"),
  case("obf-2-looks-interim", halves, 28, 1.5),
  case("obf-2-looks-final", halves, c(28, 59), c(1.5, 2.3)),
  case("obf-2-looks-over-running", halves, c(31, 63), c(1.2, 1.95)),
  case("obf-2-looks-under-running-eps", halves, c(29, 56), c(1.1, 2.05), eps = 4),
  case("obf-2-looks-under-running-beyond-eps", halves, c(29, 52), c(1.1, 1.9)),
  case("obf-3-looks-first", thirds, 20, 0.8),
  case("obf-3-looks-second", thirds, c(20, 41), c(0.8, 2.1)),
  case("obf-3-looks-final", thirds, c(20, 41, 59), c(0.8, 2.1, 2.0)),
  case("obf-3-looks-over-running", thirds, c(18, 40, 66), c(0.5, 1.6, 2.1)),
  case("obf-3-looks-under-running-relative-eps", thirds, c(22, 38, 57), c(0.3, 1.0, 1.7),
       eps = 0.05),
  case("obf-3-looks-early-final-eps", thirds, c(20, 57), c(1.0, 2.4), eps = 3),
  case("obf-3-looks-reject-second", thirds, c(21, 40), c(1.9, 3.1)),
  case("obf-3-looks-negative-z", thirds, c(19, 42), c(-0.6, -0.2)),
  case("obf-3-looks-ratio-2", thirds, c(20, 41), c(0.9, 1.8), ratio = 2),
  case("obf-2-sided", thirds, c(20, 41), c(0.8, 2.1), alpha = 0.05, sides = 2),
  case("obf-2-sided-harm", thirds, c(20, 41), c(-1.2, -2.6), alpha = 0.05, sides = 2),
  case("obf-2-sided-final-over", halves, c(30, 62), c(1.4, 2.2), alpha = 0.05, sides = 2),
  case("pocock-2-looks-final", halves, c(30, 59), c(2.0, 2.1), spending = "pocock"),
  case("pocock-3-looks-first", thirds, 21, 1.7, spending = "pocock"),
  case("pocock-3-looks-second", thirds, c(21, 39), c(1.7, 2.0), spending = "pocock"),
  case("pocock-3-looks-under-running", thirds, c(21, 39, 58), c(1.7, 2.0, 2.2),
       spending = "pocock", eps = 2),
  case("pocock-2-sided", thirds, c(18, 37), c(1.1, 2.5), spending = "pocock", alpha = 0.05,
       sides = 2),
  case("pocock-2-sided-over", halves, c(32, 61), c(0.9, 1.5), spending = "pocock",
       alpha = 0.05, sides = 2),
  case("hsd-minus4-3-looks", thirds, c(20, 41), c(0.8, 2.1), spending = "hsd", gamma = -4),
  case("hsd-minus2-2-looks", halves, 27, 1.9, spending = "hsd", gamma = -2),
  case("hsd-plus1-3-looks-final", thirds, c(19, 40, 60), c(1.2, 1.5, 2.1), spending = "hsd",
       gamma = 1),
  case("hsd-minus4-2-sided", thirds, c(22, 40), c(1.3, 2.2), spending = "hsd", gamma = -4,
       alpha = 0.05, sides = 2),
  case("hsd-0-4-looks", c(0.25, 0.5, 0.75, 1), c(15, 31, 44), c(0.4, 1.1, 2.0),
       spending = "hsd", gamma = 0),
  case("obf-4-looks-third", c(0.25, 0.5, 0.75, 1), c(16, 29, 45), c(0.9, 1.7, 2.6)),
  case("obf-3-looks-120-events", thirds, c(42, 77), c(1.0, 2.2), planned = 120, hr = 0.7),
  case("obf-futility-obf-first", thirds, 20, 0.1, beta = 0.2, beta_spending = "obf"),
  case("obf-futility-obf-second", thirds, c(20, 41), c(0.6, 1.4), beta = 0.2,
       beta_spending = "obf"),
  case("pocock-futility-pocock", thirds, c(19, 40), c(-0.3, 0.9), spending = "pocock",
       beta = 0.2, beta_spending = "pocock"),
  case("hsd-futility-hsd", halves, 31, 0.4, spending = "hsd", gamma = -4, beta = 0.1,
       beta_spending = "hsd", beta_gamma = -2),
  case("classical-obf-2-looks", halves, 31, 1.8, spending = "classical-obf"),
  case("classical-pocock-3-looks", thirds, c(20, 40), c(1.5, 2.0), spending = "classical-pocock"),
  # two-sided futility wedges |z| < a (rpact's two-sided beta spending), binding futility
  case("obf-2-sided-futility-obf-second", c(0.3, 0.6, 1), c(18, 36), c(0.4, 1.2), alpha = 0.05,
       sides = 2, beta = 0.2, beta_spending = "obf"),
  case("pocock-2-sided-futility-pocock", thirds, c(20, 39), c(0.9, 1.7), spending = "pocock",
       alpha = 0.05, sides = 2, beta = 0.2, beta_spending = "pocock"),
  case("obf-futility-obf-binding-second", thirds, c(20, 41), c(0.6, 1.4), beta = 0.2,
       beta_spending = "obf", binding = TRUE),
  case("pocock-futility-pocock-binding", thirds, c(19, 40), c(0.8, 1.9), spending = "pocock",
       beta = 0.2, beta_spending = "pocock", binding = TRUE),
  case("pocock-2-sided-futility-binding", thirds, c(20, 39), c(0.9, 1.7), spending = "pocock",
       alpha = 0.05, sides = 2, beta = 0.2, beta_spending = "pocock", binding = TRUE)
)

results <- lapply(cases, analyse)
versions <- list(R = R.version.string, rpact = as.character(packageVersion("rpact")))
writeLines(toJSON(list(versions = versions, cases = results), auto_unbox = TRUE,
                  digits = NA, null = "null", na = "null", pretty = TRUE), out_file)
cat("wrote", out_file, "with", length(results), "cases\n")
