# Reference values for tests/test_reliability.py::test_alpha_se_counts_rows_without_answers (issue 18):
# psych's alpha() divides its standard error (ase = sqrt(Q / nsub)) and the Feldt interval by nsub = nrow(x),
# counting respondents who answered no item. Run from the repository root:
#   Rscript tests/data/reliability/make_nsub_reference.R
# Writes tests/data/reliability/nsub.csv (sai-like: 4-point state anxiety items, 20 respondents who answered
# none of them, 5% of other answers missing) and tests/data/reliability/nsub_reference.json.
suppressMessages({library(psych); library(jsonlite)})
set.seed(1418)
n <- 400
f <- rnorm(n)
x <- sapply(c(0.75, 0.7, 0.65, 0.6, 0.7, 0.55), function(l) cut(l * f + sqrt(1 - l^2) * rnorm(n),
                                                              c(-Inf, -0.7, 0.2, 1.0, Inf), labels = FALSE))
colnames(x) <- paste0("anx", 1:6)
x[matrix(runif(length(x)) < 0.05, n)] <- NA
x[sample(n, 20), ] <- NA                          # 20 respondents answered no item
write.csv(x, "tests/data/reliability/nsub.csv", row.names = FALSE, na = "")
x <- read.csv("tests/data/reliability/nsub.csv")
a <- alpha(x)                                      # alpha(x): a$total$ase, a$feldt, nsub = nrow(x)
ref <- list(nsub = nrow(x), answered = sum(rowSums(!is.na(x)) > 0), raw_alpha = a$total$raw_alpha,
            ase = a$total$ase, feldt = c(a$feldt$lower.ci[[1]], a$feldt$upper.ci[[1]]))
writeLines(toJSON(ref, digits = NA, auto_unbox = TRUE), "tests/data/reliability/nsub_reference.json")
