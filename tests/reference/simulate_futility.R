# Reference values for the trial simulator's futility stops (metsor.design.simulate), from rpact.
# Run from the repository root:  Rscript tests/reference/simulate_futility.R
# Writes tests/reference/simulate_futility_reference.json (R and rpact versions recorded in it).
#
# Each case is an event-driven log-rank design with beta-spending futility bounds:
#   getDesignGroupSequential(informationRates, alpha, sided, typeOfDesign, gammaA, beta,
#     typeBetaSpending, gammaB, bindingFutility)
# and for each hazard ratio
#   getPowerSurvival(design, maxNumberOfEvents = events, hazardRatio, lambda2 = log(2) / 10.7,
#     accrualTime = c(0, 24), maxNumberOfSubjects = n, directionUpper = FALSE / NA)
# (the analytic figures: exact for the canonical joint normal of the log-rank z's; Schoenfeld's
# drift makes them approximate for the simulated log-rank away from HR 1), and, one-sided only
# (rpact's simulator stops for futility in one-sided designs only: testStatistic <=
# futilityBounds),
#   getSimulationSurvival(design, median1 = 10.7 / hr, median2 = 10.7, accrualTime = c(0, 24),
#     maxNumberOfSubjects = n, plannedEvents = round(informationRates * events),
#     maxNumberOfIterations = iterations, seed = 20160203, directionUpper = FALSE)
# whose trials are the same model as metsor's (uniform accrual, exponential survival, no
# dropout, a look at each planned number of events). earlyStop is rpact's total over the
# interim looks.
suppressPackageStartupMessages({
  library(rpact)
  library(jsonlite)
})

out_file <- "tests/reference/simulate_futility_reference.json"

type_of_design <- c(obf = "asOF", pocock = "asP", hsd = "asHSD")
type_of_beta <- c(obf = "bsOF", pocock = "bsP", hsd = "bsHSD")

futility_case <- function(id, looks, sides, spending, beta_spending, binding, events, n,
                          hazard_ratios, iterations, alpha = if (sides == 2) 0.05 else 0.025,
                          beta = 0.2, gamma = -4, beta_gamma = -4) {
  list(id = id, looks = looks, sides = sides, spending = spending, gamma = gamma,
       alpha = alpha, beta = beta, beta_spending = beta_spending, beta_gamma = beta_gamma,
       binding = binding, events = events, n = n, accrual_months = 24,
       median_control = 10.7, hazard_ratios = I(hazard_ratios), iterations = iterations)
}

make_design <- function(case) {
  args <- list(informationRates = case$looks, alpha = case$alpha, sided = case$sides,
               typeOfDesign = type_of_design[[case$spending]], beta = case$beta,
               typeBetaSpending = type_of_beta[[case$beta_spending]],
               bindingFutility = case$binding)
  if (case$spending == "hsd") args$gammaA <- case$gamma
  if (case$beta_spending == "hsd") args$gammaB <- case$beta_gamma
  suppressWarnings(do.call(getDesignGroupSequential, args))
}

analytic <- function(d, case, hr) {
  p <- suppressWarnings(getPowerSurvival(
    d, maxNumberOfEvents = case$events, hazardRatio = hr, lambda2 = log(2) / case$median_control,
    accrualTime = c(0, case$accrual_months), maxNumberOfSubjects = case$n,
    directionUpper = if (case$sides == 1) FALSE else NA))
  list(power = p$overallReject, reject_by_look = I(as.numeric(p$rejectPerStage)),
       futility_by_look = I(as.numeric(p$futilityPerStage)),
       early_stop = I(as.numeric(p$earlyStop)), expected_events = p$expectedNumberOfEvents)
}

simulated <- function(d, case, hr) {
  s <- getSimulationSurvival(
    design = d, median1 = case$median_control / hr, median2 = case$median_control,
    accrualTime = c(0, case$accrual_months), maxNumberOfSubjects = case$n,
    plannedEvents = round(case$looks * case$events), maxNumberOfIterations = case$iterations,
    seed = 20160203, directionUpper = FALSE)
  list(iterations = case$iterations, power = as.numeric(s$overallReject),
       reject_by_look = I(as.numeric(s$rejectPerStage)),
       futility_by_look = I(as.numeric(s$futilityPerStage)),
       early_stop = I(as.numeric(s$earlyStop)), futility_stop = as.numeric(s$futilityStop),
       expected_events = as.numeric(s$expectedNumberOfEvents))
}

describe <- function(case) {
  d <- make_design(case)
  k_max <- length(case$looks)
  by_hr <- lapply(case$hazard_ratios, function(hr) {
    entry <- list(hazard_ratio = hr, analytic = analytic(d, case, hr))
    if (case$sides == 1) entry$simulated <- simulated(d, case, hr)
    entry
  })
  c(case, list(
    critical_values = d$criticalValues,
    futility_bounds = I(as.numeric(d$futilityBounds)),
    alpha_spent = d$alphaSpent,
    beta_spent = d$betaSpent,
    planned_events = round(case$looks * case$events),
    by_hazard_ratio = by_hr
  ))
}

cases <- list(
  futility_case("obf-bsOF-nonbinding-3-looks-1-sided", c(1 / 3, 2 / 3, 1), 1, "obf", "obf",
                FALSE, events = 300, n = 450, hazard_ratios = c(1, 0.72), iterations = 200000),
  futility_case("pocock-bsP-binding-2-looks-1-sided", c(0.5, 1), 1, "pocock", "pocock",
                TRUE, events = 200, n = 300, hazard_ratios = c(1, 0.7), iterations = 200000),
  futility_case("hsd-bsHSD-binding-4-looks-1-sided", c(0.25, 0.5, 0.75, 1), 1, "hsd", "hsd",
                TRUE, events = 240, n = 360, hazard_ratios = c(1), iterations = 200000,
                beta = 0.1, beta_gamma = -2),
  futility_case("obf-bsOF-nonbinding-3-looks-2-sided", c(1 / 3, 2 / 3, 1), 2, "obf", "obf",
                FALSE, events = 300, n = 450, hazard_ratios = c(1, 0.72), iterations = 0)
)

reference <- list(
  generated_by = "tests/reference/simulate_futility.R",
  r_version = R.version.string,
  rpact_version = as.character(packageVersion("rpact")),
  cases = lapply(cases, describe)
)
# a look without a futility bound (rpact's NA) is null
writeLines(toJSON(reference, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
           out_file)
cat("wrote", out_file, "\n")
