# Reference values for metsor.design.boundaries, metsor.design.characteristics and the repeated
# inference of metsor.design.repeated_inference, computed with rpact.
# Run from the repository root:  Rscript tests/reference/group_sequential.R
# Writes tests/reference/group_sequential_reference.json (R and rpact versions recorded in it).
#
# designs: getDesignGroupSequential(informationRates, alpha, sided, typeOfDesign, gammaA, beta,
#   typeBetaSpending, gammaB, bindingFutility, betaAdjustment) for one- and two-sided designs
#   (two-sided: sided = 2, symmetric bounds, futility as |Z| < a), each with
#   getDesignCharacteristics(design) and
#   getPowerSurvival(design, maxNumberOfEvents, hazardRatio, directionUpper = FALSE / NA).
# repeated: getRepeatedPValues(getStageResults(design, data, directionUpper = FALSE)) and
#   getRepeatedConfidenceIntervals(design, data, directionUpper = FALSE) for log-rank data
#   (z > 0 favours the experimental arm; rpact's overallLogRanks is -z).
suppressPackageStartupMessages({
  library(rpact)
  library(jsonlite)
})

out_file <- "tests/reference/group_sequential_reference.json"
tolerance <- 1e-13

type_of_design <- c(obf = "asOF", pocock = "asP", hsd = "asHSD",
                    "classical-obf" = "OF", "classical-pocock" = "P")
type_of_beta <- c(obf = "bsOF", pocock = "bsP", hsd = "bsHSD")

na_null <- function(x) lapply(as.numeric(x), function(v) if (is.na(v)) NULL else v)

make_design <- function(case) {
  args <- list(informationRates = case$looks, alpha = case$alpha, sided = case$sides,
               typeOfDesign = type_of_design[[case$spending]], beta = case$beta)
  if (case$spending == "hsd") args$gammaA <- case$gamma
  if (!is.null(case$beta_spending)) {
    args$typeBetaSpending <- type_of_beta[[case$beta_spending]]
    args$bindingFutility <- case$binding
    if (case$beta_spending == "hsd") args$gammaB <- case$beta_gamma
    if (case$sides == 2) args$betaAdjustment <- case$beta_adjustment
  }
  suppressWarnings(do.call(getDesignGroupSequential, args))
}

design_case <- function(id, looks, sides, spending, alpha = if (sides == 2) 0.05 else 0.025,
                        gamma = -4, beta = 0.2, beta_spending = NULL, beta_gamma = -4,
                        binding = FALSE, beta_adjustment = TRUE, events = 194,
                        hazard_ratios = c(0.76, 0.6)) {
  list(id = id, looks = looks, sides = sides, spending = spending, alpha = alpha,
       gamma = gamma, beta = beta, beta_spending = beta_spending, beta_gamma = beta_gamma,
       binding = binding, beta_adjustment = beta_adjustment, events = events,
       hazard_ratios = hazard_ratios)
}

describe <- function(case) {
  d <- make_design(case)
  k_max <- length(case$looks)
  ch <- suppressWarnings(getDesignCharacteristics(d))
  futility <- if (is.null(case$beta_spending)) rep(NA, k_max)
              else c(d$futilityBounds, d$criticalValues[k_max])
  power <- lapply(case$hazard_ratios, function(hr) {
    p <- suppressWarnings(getPowerSurvival(
      d, maxNumberOfEvents = case$events, hazardRatio = hr, lambda2 = log(2) / 10.7,
      accrualTime = c(0, 24), maxNumberOfSubjects = 600,
      directionUpper = if (case$sides == 1) FALSE else NA))
    list(hazard_ratio = hr, expected_events = p$expectedNumberOfEvents,
         reject_by_look = as.numeric(p$rejectPerStage),
         futility_by_look = if (k_max > 1) na_null(p$futilityPerStage) else list(),
         early_stop = p$earlyStop, power = p$overallReject)
  })
  c(case, list(
    information_rates = d$informationRates,
    critical_values = d$criticalValues,
    stage_levels = d$stageLevels,
    alpha_spent = d$alphaSpent,
    futility_bounds = na_null(futility),
    beta_spent = if (is.null(case$beta_spending)) list() else d$betaSpent,
    characteristics = list(
      shift = ch$shift, inflation_factor = ch$inflationFactor,
      information = ch$information, power = ch$power,
      rejection_probabilities = ch$rejectionProbabilities,
      futility_probabilities = na_null(ch$futilityProbabilities),
      average_sample_number_h1 = ch$averageSampleNumber1,
      average_sample_number_h01 = ch$averageSampleNumber01,
      average_sample_number_h0 = ch$averageSampleNumber0),
    power_survival = power
  ))
}

thirds <- c(1 / 3, 2 / 3, 1)
quarters <- c(0.25, 0.5, 0.75, 1)
fifths <- c(0.2, 0.4, 0.6, 0.8, 1)
uneven <- c(0.15, 0.45, 0.8, 1)
designs <- list()
for (sides in c(1, 2)) {
  for (spending in c("obf", "pocock", "hsd", "classical-obf", "classical-pocock")) {
    for (looks in list(c(0.5, 1), thirds, quarters, fifths, uneven)) {
      spacing <- if (identical(looks, uneven)) "-uneven" else ""
      designs[[length(designs) + 1]] <- design_case(
        sprintf("%s-%d-looks%s-%s-sided", spending, length(looks), spacing, sides), looks, sides,
        spending)
    }
  }
  designs[[length(designs) + 1]] <- design_case(
    sprintf("hsd-plus1-3-looks-%s-sided", sides), thirds, sides, "hsd", gamma = 1)
  designs[[length(designs) + 1]] <- design_case(
    sprintf("hsd-minus2-4-looks-%s-sided", sides), quarters, sides, "hsd", gamma = -2)
  designs[[length(designs) + 1]] <- design_case(
    sprintf("obf-3-looks-alpha-0.01-%s-sided", sides), c(0.3, 0.7, 1), sides, "obf",
    alpha = 0.01)
  for (binding in c(FALSE, TRUE)) {
    tag <- if (binding) "binding" else "nonbinding"
    designs[[length(designs) + 1]] <- design_case(
      sprintf("obf-bsOF-3-looks-%s-%s-sided", tag, sides), c(0.3, 0.6, 1), sides, "obf",
      beta_spending = "obf", binding = binding)
    designs[[length(designs) + 1]] <- design_case(
      sprintf("pocock-bsP-3-looks-%s-%s-sided", tag, sides), thirds, sides, "pocock",
      beta_spending = "pocock", binding = binding)
    designs[[length(designs) + 1]] <- design_case(
      sprintf("hsd-bsHSD-4-looks-%s-%s-sided", tag, sides), quarters, sides, "hsd",
      beta_spending = "hsd", beta_gamma = -2, beta = 0.1, binding = binding)
    designs[[length(designs) + 1]] <- design_case(
      sprintf("obf-bsP-2-looks-%s-%s-sided", tag, sides), c(0.5, 1), sides, "obf",
      beta_spending = "pocock", binding = binding)
  }
}
# two-sided beta spending whose first one-sided futility bound is negative: no wedge there,
# the beta spent after it rescaled (betaAdjustment) or not
for (adjust in c(TRUE, FALSE)) {
  designs[[length(designs) + 1]] <- design_case(
    sprintf("obf-bsOF-4-looks-early-%s-2-sided", if (adjust) "adjusted" else "unadjusted"),
    c(0.15, 0.4, 0.7, 1), 2, "obf", beta_spending = "obf", beta_adjustment = adjust)
}

# ---- repeated p-values and repeated confidence intervals -------------------------------------
repeated_case <- function(id, looks, sides, spending, events, z, gamma = -4,
                          alpha = if (sides == 2) 0.05 else 0.025) {
  list(id = id, looks = looks, sides = sides, spending = spending, gamma = gamma,
       alpha = alpha, events = events, z = z)
}
repeated_of <- function(case) {
  args <- list(informationRates = case$looks, alpha = case$alpha, sided = case$sides,
               typeOfDesign = type_of_design[[case$spending]])
  if (case$spending == "hsd") args$gammaA <- case$gamma
  d <- do.call(getDesignGroupSequential, args)
  n <- length(case$events)
  data <- getDataset(overallEvents = case$events, overallLogRanks = -case$z)
  stage <- getStageResults(d, data, stage = n, directionUpper = FALSE)
  p <- getRepeatedPValues(stage, tolerance = tolerance)
  ci <- getRepeatedConfidenceIntervals(d, data, stage = n, directionUpper = FALSE,
                                       tolerance = tolerance)
  c(case, list(critical_values = d$criticalValues, repeated_p_value = p[1:n],
               rci_lower = ci[1, 1:n], rci_upper = ci[2, 1:n]))
}
repeated <- list(
  repeated_case("obf-3-looks-1-sided", thirds, 1, "obf", c(65, 130, 194), c(1.1, 2.3, 2.5)),
  repeated_case("obf-3-looks-2-sided", thirds, 2, "obf", c(65, 130, 194), c(1.1, 2.3, 2.5)),
  repeated_case("obf-3-looks-2-sided-harm", thirds, 2, "obf", c(65, 130), c(-1.4, -2.7)),
  repeated_case("pocock-4-looks-1-sided", quarters, 1, "pocock", c(30, 60, 90, 120),
                c(0.8, 1.6, 2.0, 2.4)),
  repeated_case("pocock-4-looks-2-sided", quarters, 2, "pocock", c(30, 60, 90, 120),
                c(0.8, 1.6, 2.0, 2.4)),
  repeated_case("pocock-5-looks-2-sided", fifths, 2, "pocock", c(20, 40, 60, 80, 100),
                c(0.5, -0.3, 1.2, 2.1, 2.2)),
  repeated_case("hsd-minus2-4-looks-2-sided", quarters, 2, "hsd", c(30, 60, 90),
                c(1.0, 1.9, 2.6), gamma = -2),
  repeated_case("hsd-plus1-3-looks-1-sided", thirds, 1, "hsd", c(40, 80, 120),
                c(1.3, 1.7, 2.2), gamma = 1),
  repeated_case("classical-pocock-3-looks-2-sided", thirds, 2, "classical-pocock",
                c(40, 80, 120), c(1.5, 2.0, 2.2)),
  repeated_case("classical-obf-4-looks-2-sided", quarters, 2, "classical-obf",
                c(30, 60, 90, 120), c(0.9, 1.8, 2.2, 2.1))
)

results <- list(
  versions = list(R = R.version.string, rpact = as.character(packageVersion("rpact"))),
  designs = lapply(designs, describe),
  repeated = lapply(repeated, repeated_of)
)
writeLines(toJSON(results, auto_unbox = TRUE, digits = NA, null = "null", na = "null",
                  pretty = TRUE), out_file)
cat("wrote", out_file, "with", length(results$designs), "designs and",
    length(results$repeated), "repeated-inference cases\n")
