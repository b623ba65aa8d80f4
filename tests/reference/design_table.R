# Reference values for `metsor design boundaries` (its table by look), computed with rpact.
# Run from the repository root:  Rscript tests/reference/design_table.R
# Writes tests/reference/design_table_reference.json (R and rpact versions recorded in it).
#
# Each case: getDesignGroupSequential(informationRates, alpha, sided, typeOfDesign, beta
#   [, typeBetaSpending, bindingFutility]) as summary(design) shows it (critical values, stage
#   levels, cumulative alpha and beta spent, futility bounds), getDesignCharacteristics(design)
#   at that beta (also for designs without futility bounds: the power 1 - beta is then reached
#   by the drift alone), and the bounds on the hazard-ratio scale at a maximum number of events:
#   getPowerSurvival(design, maxNumberOfEvents, allocationRatioPlanned, hazardRatio,
#   directionUpper = FALSE)$criticalValuesEffectScale and $futilityBoundsEffectScale; two-sided,
#   $criticalValuesEffectScaleLower and $futilityBoundsEffectScaleLower, the bounds on the
#   experimental arm's side (the hazard ratio and accrual only fix what the bounds do not
#   depend on).
suppressPackageStartupMessages({
  library(rpact)
  library(jsonlite)
})

out_file <- "tests/reference/design_table_reference.json"

type_of_design <- c(obf = "asOF", pocock = "asP", "classical-obf" = "OF")
type_of_beta <- c(obf = "bsOF", pocock = "bsP")

na_null <- function(x) lapply(as.numeric(x), function(v) if (is.na(v)) NULL else v)

table_case <- function(id, looks, sides, spending, beta, events, allocation_ratio = 1,
                       beta_spending = NULL, binding = FALSE,
                       alpha = if (sides == 2) 0.05 else 0.025) {
  list(id = id, looks = looks, sides = sides, spending = spending, alpha = alpha, beta = beta,
       beta_spending = beta_spending, binding = binding, events = events,
       allocation_ratio = allocation_ratio)
}

describe <- function(case) {
  args <- list(informationRates = case$looks, alpha = case$alpha, sided = case$sides,
               typeOfDesign = type_of_design[[case$spending]], beta = case$beta)
  if (!is.null(case$beta_spending)) {
    args$typeBetaSpending <- type_of_beta[[case$beta_spending]]
    args$bindingFutility <- case$binding
  }
  d <- suppressWarnings(do.call(getDesignGroupSequential, args))
  k_max <- length(case$looks)
  ch <- suppressWarnings(getDesignCharacteristics(d))
  p <- suppressWarnings(getPowerSurvival(
    d, maxNumberOfEvents = case$events, hazardRatio = 0.7, lambda2 = log(2) / 10.7,
    accrualTime = c(0, 24), maxNumberOfSubjects = 2000,
    allocationRatioPlanned = case$allocation_ratio,
    directionUpper = if (case$sides == 1) FALSE else NA))
  with_futility <- !is.null(case$beta_spending)
  c(case, list(
    critical_values = d$criticalValues,
    stage_levels = d$stageLevels,
    alpha_spent = d$alphaSpent,
    futility_bounds = if (with_futility) na_null(d$futilityBounds) else list(),
    beta_spent = if (with_futility) d$betaSpent else list(),
    events_per_look = as.numeric(p$eventsPerStage),
    hr_efficacy_bound = as.numeric(if (case$sides == 1) p$criticalValuesEffectScale
                                   else p$criticalValuesEffectScaleLower),
    hr_futility_bound = if (!with_futility) list()
                        else na_null(if (case$sides == 1) p$futilityBoundsEffectScale
                                     else p$futilityBoundsEffectScaleLower),
    characteristics = list(
      shift = ch$shift, inflation_factor = ch$inflationFactor,
      information = ch$information, power = ch$power,
      rejection_probabilities = ch$rejectionProbabilities,
      futility_probabilities = na_null(ch$futilityProbabilities),
      average_sample_number_h1 = ch$averageSampleNumber1,
      average_sample_number_h01 = ch$averageSampleNumber01,
      average_sample_number_h0 = ch$averageSampleNumber0)
  ))
}

thirds <- c(1 / 3, 2 / 3, 1)
cases <- list(
  table_case("obf-3-looks-efficacy-only-1-sided", thirds, 1, "obf", 0.2, 194),
  table_case("pocock-4-looks-efficacy-only-2-sided", c(0.25, 0.5, 0.75, 1), 2, "pocock", 0.1,
             120),
  table_case("classical-obf-2-looks-efficacy-only-1-sided", c(0.5, 1), 1, "classical-obf", 0.2,
             59, allocation_ratio = 2),
  table_case("obf-bsOF-3-looks-1-sided", thirds, 1, "obf", 0.2, 194, beta_spending = "obf"),
  table_case("pocock-bsP-3-looks-binding-1-sided", c(0.4, 0.7, 1), 1, "pocock", 0.2, 150,
             beta_spending = "pocock", binding = TRUE, allocation_ratio = 2),
  table_case("obf-bsOF-3-looks-2-sided", c(0.3, 0.6, 1), 2, "obf", 0.2, 194,
             beta_spending = "obf")
)

results <- list(
  versions = list(R = R.version.string, rpact = as.character(packageVersion("rpact"))),
  designs = lapply(cases, describe)
)
writeLines(toJSON(results, auto_unbox = TRUE, digits = NA, null = "null", na = "null",
                  pretty = TRUE), out_file)
cat("wrote", out_file, "with", length(results$designs), "designs\n")
