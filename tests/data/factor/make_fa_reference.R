# Reference values for tests/test_factor_model.py and tests/test_cli_factor.py
# (R 4, psych 2.2.9, GPArotation 2022.10-2, psychTools 2.2.9). Run from the repository root:
#   Rscript tests/data/factor/make_fa_reference.R
# Writes
#   tests/data/spi/responses.csv.gz        spi (psychTools): 4,000 x 135 items, with seeded missing answers
#   tests/data/factor/spi_reference.json   fa() fits on it
#   tests/data/factor/bfi_fa_reference.json fit statistics and score weights on bfi
suppressMessages({library(psych); library(GPArotation); library(psychTools); library(jsonlite)})

fit_stats <- function(f) list(
  objective = f$objective, chi2 = f$STATISTIC, df = f$dof, p = f$PVAL,
  rmsea = unname(f$RMSEA[1]), rmsea_lower = unname(f$RMSEA[2]), rmsea_upper = unname(f$RMSEA[3]),
  tli = f$TLI, bic = f$BIC, sabic = f$SABIC, rmsr = f$rms, crmsr = f$crms,
  empirical_chi2 = f$chi, empirical_p = f$EPVAL, null_chi2 = f$null.chisq, null_df = f$null.dof,
  null_objective = f$null.model, fit = f$fit, fit_off = f$fit.off, n_harmonic = f$nh)
pack <- function(f) list(loadings = unclass(f$loadings), h2 = unname(f$communality),
                         u2 = unname(f$uniquenesses), phi = f$Phi, values = f$values, fit = fit_stats(f))

# ---- spi with missing answers --------------------------------------------------------------------
data(spi)
x <- spi[, 11:145]                                   # the 135 items (1..6)
set.seed(20240601)
miss <- matrix(runif(nrow(x) * ncol(x)) < 0.04, nrow(x))   # 4% of answers missing at random
quit_at <- sample(60:130, 300, replace = TRUE)              # 300 respondents break off early
who <- sample(nrow(x), 300)
for (k in seq_along(who)) miss[who[k], quit_at[k]:ncol(x)] <- TRUE
x[miss] <- NA
ids <- sprintf("S%04d", seq_len(nrow(x)))
con <- gzfile("tests/data/spi/responses.csv.gz", "w")
write.csv(cbind(respondent_id = ids, x), con, row.names = FALSE, na = "")
close(con)
x <- read.csv(gzfile("tests/data/spi/responses.csv.gz"))[, -1]   # exactly what the tests read
spi_ref <- list(items = colnames(x), n = nrow(x), n_missing = sum(is.na(x)))
spi_ref$minres_oblimin <- pack(fa(x, 5, fm = "minres", rotate = "oblimin"))   # fa(x, 5, fm="minres", rotate="oblimin")
spi_ref$ml_varimax <- pack(fa(x, 5, fm = "ml", rotate = "varimax"))           # fa(x, 5, fm="ml", rotate="varimax")
spi_ref$pa_promax <- pack(fa(x, 5, fm = "pa", rotate = "promax"))             # fa(x, 5, fm="pa", rotate="promax")
spi_ref$minres_none <- pack(fa(x, 5, fm = "minres", rotate = "none"))         # fa(x, 5, fm="minres", rotate="none")
spi_ref$minres_oblimin_8 <- pack(fa(x, 8, fm = "minres", rotate = "oblimin")) # fa(x, 8, fm="minres", rotate="oblimin")
spi_ref$eigenvalues <- eigen(cor(x, use = "pairwise"))$values
writeLines(toJSON(spi_ref, digits = NA, matrix = "rowmajor", auto_unbox = TRUE, na = "null"),
           "tests/data/factor/spi_reference.json")

# ---- bfi: fit statistics and score weights ---------------------------------------------------------
d <- read.csv("tests/data/bfi/responses.csv")
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))
b <- d[, items]
bref <- list(items = items)
f <- fa(b, 5, fm = "minres", rotate = "oblimin")                     # fa(b, 5, fm="minres", rotate="oblimin")
bref$minres_oblimin <- pack(f)
R <- cor(b, use = "pairwise")
bref$weights <- list(                                                # factor.scores(R, f, method=...)$weights
  regression = factor.scores(R, f, method = "Thurstone")$weights,
  bartlett = factor.scores(R, f, method = "Bartlett")$weights,
  tenberge = factor.scores(R, f, method = "tenBerge")$weights)
cc <- complete.cases(b)
bref$complete_ids <- d$respondent_id[cc]
# regression scores = scale(x) %*% W: z-scores with all respondents' means and SDs (ddof 1); rows with a
# missing answer are NA in R, so compare the first 20 complete respondents
sc <- scale(b) %*% bref$weights$regression
bref$scores_regression_complete_head <- unclass(sc[cc, ][1:20, ])
bref$ml_varimax <- pack(fa(b, 5, fm = "ml", rotate = "varimax"))       # fa(b, 5, fm="ml", rotate="varimax")
bref$pa_promax <- pack(fa(b, 5, fm = "pa", rotate = "promax"))         # fa(b, 5, fm="pa", rotate="promax")
bref$minres_none <- pack(fa(b, 5, fm = "minres", rotate = "none"))     # fa(b, 5, fm="minres", rotate="none")
f3 <- fa(b, 3, fm = "minres", rotate = "oblimin", gam = 0.5)         # fa passes gam on to GPArotation::oblimin
bref$minres_oblimin3_gam0.5 <- list(loadings = unclass(f3$loadings), phi = f3$Phi)
poly_items <- c("A1", "A2", "A3", "C1", "C2", "E1", "E3", "N1", "N2", "O1")
fp <- fa(b[, poly_items], 3, fm = "minres", rotate = "oblimin", cor = "poly")   # fa(b[, poly_items], 3, cor="poly")
bref$poly_minres_oblimin3 <- list(items = poly_items, loadings = unclass(fp$loadings), phi = fp$Phi,
                                  h2 = unname(fp$communality))
writeLines(toJSON(bref, digits = NA, matrix = "rowmajor", auto_unbox = TRUE, na = "null"),
           "tests/data/factor/bfi_fa_reference.json")
