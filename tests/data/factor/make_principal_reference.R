# Reference values for tests/test_factor_extraction.py (principal components) and tests/test_factor_rotation.py
# (oblimax), issue 18. R 4, psych 2.2.9, GPArotation. Run from the repository root:
#   Rscript tests/data/factor/make_principal_reference.R
# Input: the 25 bfi items (tests/data/bfi/responses.csv), pairwise Pearson correlations.
suppressMessages({library(psych); library(GPArotation); library(jsonlite)})
d <- read.csv("tests/data/bfi/responses.csv")
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))
x <- d[, items]
pack <- function(p) list(loadings = unclass(p$loadings), phi = p$Phi, h2 = unname(p$communality),
                         values = p$values, weights = unclass(p$weights))
out <- list(items = items)
for (r in c("none", "varimax", "quartimax", "equamax", "geominT", "promax", "oblimin", "quartimin", "geominQ")) {
  out[[paste0("principal_", r)]] <- pack(principal(x, 5, rotate = r))   # principal(x, 5, rotate = r)
}
out$principal_1 <- pack(principal(x, 1))                                  # principal(x, 1)
out$principal_3_oblimin <- pack(principal(x, 3, rotate = "oblimin"))      # principal(x, 3, rotate = "oblimin")
# oblimax: principal() does not offer it (it would silently use no rotation), so GPArotation::oblimax is applied
# to the unrotated components and principal's own post-processing follows (order by colSums(L^2), then signs).
# On bfi oblimax collapses factors (|Phi| -> 1, loadings without bound) for most k; 3 components stay proper.
L0 <- unclass(principal(x, 3, rotate = "none")$loadings)
ob <- GPArotation::oblimax(L0)                                            # oblimax(L0) (normalize = FALSE, eps = 1e-5)
L <- unclass(ob$loadings); Phi <- ob$Phi
o <- order(colSums(L^2), decreasing = TRUE); L <- L[, o]; Phi <- Phi[o, o]
s <- sign(colSums(L)); s[s == 0] <- 1
out$principal_3_oblimax <- list(loadings = L %*% diag(s), phi = diag(s) %*% Phi %*% diag(s),
                                criterion = ob$Table[nrow(ob$Table), 2])
# oblimax of an unrotated 2-factor minres solution of the neuroticism and extraversion items
ne <- c(paste0("N", 1:5), paste0("E", 1:5))
Lf <- unclass(fa(x[, ne], 2, fm = "minres", rotate = "none")$loadings)
ob <- GPArotation::oblimax(Lf)                                            # oblimax(Lf)
out$oblimax_ne <- list(items = ne, unrotated = Lf, loadings = unclass(ob$loadings), phi = ob$Phi,
                       criterion = ob$Table[nrow(ob$Table), 2])
# the degenerate case: 5 minres factors of the 25 items (GPFoblq stops after 1000 iterations with |Phi| ~ 1)
Lf <- unclass(fa(x, 5, fm = "minres", rotate = "none")$loadings)
ob <- suppressWarnings(GPArotation::oblimax(Lf))
out$oblimax_degenerate <- list(converged = ob$convergence, max_phi = max(abs(ob$Phi[upper.tri(ob$Phi)])))
writeLines(toJSON(out, digits = NA, matrix = "rowmajor", auto_unbox = TRUE, pretty = FALSE),
           "tests/data/factor/principal_reference.json")
