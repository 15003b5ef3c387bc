# Reference raking weights for tests/test_weight.py, from R survey's rake() on the bfi respondents.
# Run from the repository root:  Rscript tests/data/weight/make_reference.R
# R 4.x, survey 4.1-1 (Debian r-cran-survey). Output: tests/data/weight/reference.json
library(survey)
d <- read.csv("tests/data/bfi/responses.csv")
d <- d[!is.na(d$education), ]                      # rake() needs every margin answered
d$ageb <- cut(d$age, c(0, 25, 35, 50, 120), right = FALSE)
n <- nrow(d)
des <- svydesign(ids = ~1, data = d)               # equal starting weights (1)
ctl <- list(maxit = 1000, epsilon = 1e-13, verbose = FALSE)

# 1. three margins: gender, education, age bands
pg <- data.frame(gender = c(1, 2), Freq = c(0.49, 0.51) * n)
pe <- data.frame(education = 1:5, Freq = c(0.10, 0.25, 0.30, 0.20, 0.15) * n)
pa <- data.frame(ageb = levels(d$ageb), Freq = c(0.20, 0.30, 0.30, 0.20) * n)
r1 <- rake(des, list(~gender, ~education, ~ageb), list(pg, pe, pa), control = ctl)

# 2. interlocked gender x education cells plus the age margin
ge <- expand.grid(gender = c(1, 2), education = 1:5)
ge$Freq <- c(0.06, 0.04, 0.12, 0.13, 0.14, 0.16, 0.09, 0.11, 0.08, 0.07) * n
r2 <- rake(des, list(~gender + education, ~ageb), list(ge, pa), control = ctl)

out <- list(
  call_margins = "rake(svydesign(ids=~1, data=d), list(~gender, ~education, ~ageb), list(pg, pe, pa), control=list(maxit=1000, epsilon=1e-13))",
  call_interlocked = "rake(svydesign(ids=~1, data=d), list(~gender+education, ~ageb), list(ge, pa), control=list(maxit=1000, epsilon=1e-13))",
  respondent_id = d$respondent_id,
  margins = unname(weights(r1)),
  interlocked = unname(weights(r2))
)
writeLines(jsonlite::toJSON(out, digits = 15, auto_unbox = TRUE), "tests/data/weight/reference.json")
