# Reference values for tests/test_factor_rotation.py (R 4, psych 2.2.9, GPArotation 2022.10-2).
# Run from the repository root:  Rscript tests/data/factor/make_rotation_reference.R
# Input: the unrotated 5-factor minres solution of the 25 bfi items (pairwise Pearson correlations).
suppressMessages({library(psych); library(GPArotation); library(jsonlite)})
d <- read.csv("tests/data/bfi/responses.csv")
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))
x <- d[, items]
L <- unclass(fa(x, 5, fm = "minres", rotate = "none")$loadings)
out <- list(items = items, unrotated = L)
g <- function(r, phi = TRUE) {
  res <- list(loadings = unclass(r$loadings))
  if (phi) res$phi <- r$Phi
  if (!is.null(r$Table)) res$criterion <- r$Table[nrow(r$Table), 2]
  res
}
out$oblimin_gam0.5 <- g(GPArotation::oblimin(L, gam = 0.5))        # oblimin(L, gam=0.5)
out$oblimin_gam_neg0.5 <- g(GPArotation::oblimin(L, gam = -0.5))   # oblimin(L, gam=-0.5)
out$quartimin <- g(GPArotation::quartimin(L))                      # quartimin(L)
out$oblimin_kaiser <- g(GPArotation::oblimin(L, normalize = TRUE))   # oblimin(L, normalize=TRUE)
out$geominQ <- g(GPArotation::geominQ(L))                          # geominQ(L) (delta = 0.01)
out$geominT <- g(GPArotation::geominT(L), phi = FALSE)             # geominT(L)
out$quartimax <- g(GPArotation::quartimax(L), phi = FALSE)         # quartimax(L)
out$equamax <- g(psych::equamax(L), phi = FALSE)                   # psych::equamax(L) = cfT(L, kappa = m/(2p))
out$varimax_raw <- list(loadings = unclass(stats::varimax(L, normalize = FALSE)$loadings))  # varimax(L, normalize=FALSE)
out$varimax <- list(loadings = unclass(stats::varimax(L)$loadings))                         # varimax(L)
pm <- psych::Promax(L)                                             # psych::Promax(L): no row normalization of the power step
out$Promax <- list(loadings = unclass(pm$loadings), phi = pm$Phi)
pk <- psych::kaiser(L, rotate = "Promax")                          # fa(..., rotate="promax") = kaiser(L, "Promax")
out$promax <- list(loadings = unclass(pk$loadings), phi = pk$Phi)
# psych's post-processing as applied by fa(): signs and order (rotate="oblimin" through fa)
f <- fa(x, 5, fm = "minres", rotate = "geominQ")
out$fa_geominQ <- list(loadings = unclass(f$loadings), phi = f$Phi)   # fa(x, 5, rotate="geominQ")
f <- fa(x, 5, fm = "minres", rotate = "quartimax")
out$fa_quartimax <- list(loadings = unclass(f$loadings))              # fa(x, 5, rotate="quartimax")
f <- fa(x, 5, fm = "minres", rotate = "equamax")
out$fa_equamax <- list(loadings = unclass(f$loadings))                # fa(x, 5, rotate="equamax")
writeLines(toJSON(out, digits = NA, matrix = "rowmajor", auto_unbox = TRUE, pretty = FALSE),
           "tests/data/factor/rotation_reference.json")
