# Reference values for tests/test_factor_model.py::test_singular_matrix_scores_as_psych (issue 18):
# a correlation matrix that is exactly singular (item s6 = s1 + s2). Run from the repository root:
#   Rscript tests/data/factor/make_singular_reference.R
# Writes tests/data/factor/singular.csv (the data) and tests/data/factor/singular_reference.json.
# psych 2.2.9 factor.scores(method = "Thurstone"): solve(r, S) fails ("computationally singular"), so the
# factor loadings are used as the score weights; KMO() of a singular matrix gives MSA 0.5 for every item.
suppressMessages({library(psych); library(GPArotation); library(jsonlite)})
set.seed(18)
n <- 300
f <- rnorm(n)
x <- sapply(c(0.8, 0.7, 0.6, 0.7, 0.5), function(l) round(3 + 1.2 * (l * f + sqrt(1 - l^2) * rnorm(n))))
x <- pmin(pmax(x, 1), 5)
x <- cbind(x, x[, 1] + x[, 2])
colnames(x) <- paste0("s", 1:6)
write.csv(x, "tests/data/factor/singular.csv", row.names = FALSE)
x <- read.csv("tests/data/factor/singular.csv")
f1 <- suppressWarnings(fa(x, 1, fm = "minres", scores = "regression"))             # fa(x, 1, scores = "regression")
f2 <- suppressWarnings(fa(x, 2, fm = "minres", rotate = "varimax", scores = "regression"))
ref <- list(
  rcond = rcond(cor(x)),
  kmo = KMO(x)$MSA,
  one = list(loadings = unclass(f1$loadings), weights = unclass(f1$weights), scores = unclass(f1$scores)[1:5, ]),
  two_varimax = list(loadings = unclass(f2$loadings), weights = unclass(f2$weights))
)
writeLines(toJSON(ref, digits = NA, matrix = "rowmajor", auto_unbox = TRUE), "tests/data/factor/singular_reference.json")
