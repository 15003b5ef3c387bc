# Reference values for tests/test_reliability.py, computed by R psych 2.2.9 (GPArotation 2022.10.2).
# Run from this folder: Rscript make_reference.R   (writes reference.json)
# Every block of reference.json carries the R call that produced it ("call").
library(psych)
library(jsonlite)

keys_of <- function(spec) strsplit(spec, " ")[[1]]
rev_items <- function(k) sub("^-", "", k[startsWith(k, "-")])
items_of <- function(k) sub("^-", "", k)
# reverse-score as the questionnaire does: x' = min + max - x (option-set bounds)
reverse <- function(x, k, lo, hi) {
  for (i in rev_items(k)) x[[i]] <- lo + hi - x[[i]]
  x
}

alpha_block <- function(x, k) {
  a <- alpha(x[, items_of(k)], keys = rev_items(k), warnings = FALSE)
  d <- a$alpha.drop
  s <- a$item.stats
  items <- list()
  for (i in items_of(k)) {
    r <- if (i %in% rev_items(k)) paste0(i, "-") else i
    items[[i]] <- list(n = s[r, "n"], raw_r = s[r, "raw.r"], std_r = s[r, "std.r"], r_cor = s[r, "r.cor"],
                       r_drop = s[r, "r.drop"], mean = s[r, "mean"], sd = s[r, "sd"],
                       alpha_if_deleted = d[r, "raw_alpha"], std_alpha_if_deleted = d[r, "std.alpha"],
                       g6_if_deleted = d[r, "G6(smc)"], average_r_if_deleted = d[r, "average_r"],
                       median_r_if_deleted = d[r, "med.r"])
  }
  xr <- reverse(x[, items_of(k)], k, LO, HI)
  f1 <- fa(xr, 1, fm = "minres")
  sl <- sum(f1$loadings)
  list(call = sprintf("a <- alpha(x[, c(%s)], keys = c(%s)); fa(x_reversed, 1, fm = 'minres')",
                      paste0("'", items_of(k), "'", collapse = ","), paste0("'", rev_items(k), "'", collapse = ",")),
       n_items = length(k), nsub = nrow(x),
       alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha, g6 = a$total[["G6(smc)"]],
       average_r = a$total$average_r, median_r = a$total$median_r, signal_noise = a$total[["S/N"]],
       ase = a$total$ase, mean = a$total$mean, sd = a$total$sd, var_r = a$var.r,
       feldt = c(a$feldt$lower.ci[[1]], a$feldt$upper.ci[[1]]),
       omega_total_1f = sl^2 / (sl^2 + sum(f1$uniquenesses)),
       items = items)
}

omega_block <- function(x, k, nf) {
  xr <- reverse(x[, items_of(k)], k, LO, HI)
  om <- omega(xr, nfactors = nf, fm = "minres", plot = FALSE)
  list(call = sprintf("omega(x_reversed[, %d items], nfactors = %d, fm = 'minres')", length(k), nf),
       omega_h = om$omega_h, omega_total = om$omega.tot, omega_limit = om$omega.lim, ecv = om$ECV[[1]],
       alpha = om$alpha, flipped = items_of(k)[om$key < 0],
       g = setNames(as.list(om$schmid$sl[, "g"]), items_of(k)),
       u2 = setNames(as.list(om$schmid$sl[, "u2"]), items_of(k)),
       omega_group = list(total = om$omega.group$total, general = om$omega.group$general,
                          group = om$omega.group$group))
}

# weighted covariance, my definition written independently: for each pair, cov.wt on the rows answering both
wcov_pairwise <- function(x, w) {
  p <- ncol(x); C <- matrix(NA, p, p, dimnames = list(colnames(x), colnames(x)))
  for (i in 1:p) for (j in 1:p) {
    ok <- !is.na(x[, i]) & !is.na(x[, j])
    C[i, j] <- cov.wt(cbind(x[ok, i], x[ok, j]), wt = w[ok] / sum(w[ok]))$cov[1, 2]
  }
  C
}
weighted_block <- function(x, k, w, listwise) {
  xr <- as.matrix(reverse(x[, items_of(k)], k, LO, HI))
  if (listwise) {
    ok <- complete.cases(xr)
    C <- cov.wt(xr[ok, ], wt = w[ok] / sum(w[ok]))$cov
    how <- "xc <- x_reversed[complete.cases(x_reversed), ]; C <- cov.wt(xc, wt = w / sum(w))$cov; alpha(C)"
  } else {
    C <- wcov_pairwise(xr, w)
    how <- "C[i, j] <- cov.wt(x_reversed[both answered, c(i, j)], wt = w / sum(w))$cov[1, 2] for every pair; alpha(C)"
  }
  a <- alpha(C, warnings = FALSE)
  items <- list()
  for (i in items_of(k)) items[[i]] <- list(r_drop = a$item.stats[i, "r.drop"], alpha_if_deleted = a$alpha.drop[i, "raw_alpha"])
  list(call = how, alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha, g6 = a$total[["G6(smc)"]],
       average_r = a$total$average_r, items = items)
}

out <- list(psych_version = as.character(packageVersion("psych")),
            gparotation_version = as.character(packageVersion("GPArotation")))

# ---- bfi (tests/data/bfi/responses.csv), codes 1..6
LO <- 1; HI <- 6
bfi <- read.csv("../bfi/responses.csv")
bfi_scales <- list(agreeableness = "-A1 A2 A3 A4 A5", conscientiousness = "C1 C2 C3 -C4 -C5",
                   extraversion = "-E1 -E2 E3 E4 E5", neuroticism = "N1 N2 N3 N4 N5", openness = "O1 -O2 O3 O4 -O5")
out$bfi <- list(alpha = lapply(bfi_scales, function(s) alpha_block(bfi, keys_of(s))))
all25 <- keys_of(paste(unlist(bfi_scales), collapse = " "))
out$bfi$omega <- list(big5_3 = omega_block(bfi, all25, 3), big5_2 = omega_block(bfi, all25, 2))

# ---- msq (tests/data/msq/responses.csv), codes 0..3, many missing answers
LO <- 0; HI <- 3
msq <- read.csv("../msq/responses.csv", check.names = FALSE)
msq_scales <- list(
  EA = "active energetic vigorous wakeful wide.awake full.of.pep lively -sleepy -tired -drowsy",
  TA = "intense jittery fearful tense clutched.up -quiet -still -placid -calm -at.rest",
  LAct = "quiet inactive idle still tranquil",
  aNA = "jittery anxious nervous fearful distressed",
  Sadness = "sad blue lonely alone",
  Joviality = "happy delighted cheerful excited enthusiastic lively energetic",
  Hostility = "angry hostile irritable scornful",
  SelfAssurance = "proud strong confident -fearful")
msq_scales$arousal <- paste(msq_scales$EA, msq_scales$TA)
msq_scales$mood <- paste(msq_scales$EA, msq_scales$TA, msq_scales$Sadness, msq_scales$Hostility)
out$msq <- list(alpha = lapply(msq_scales, function(s) alpha_block(msq, keys_of(s))))
out$msq$omega <- list(arousal_2 = omega_block(msq, keys_of(msq_scales$arousal), 2),
                      arousal_3 = omega_block(msq, keys_of(msq_scales$arousal), 3),
                      mood_4 = omega_block(msq, keys_of(msq_scales$mood), 4))
w <- msq$weight
out$msq$weighted <- list(
  listwise = lapply(msq_scales[c("EA", "TA", "LAct")], function(s) weighted_block(msq, keys_of(s), w, TRUE)),
  pairwise = lapply(msq_scales[c("EA", "TA", "LAct")], function(s) weighted_block(msq, keys_of(s), w, FALSE)))

# ---- scale scores: scoreItems on msq (raw codes; psych reverses with min + max over the items = 0 + 3)
score_keys <- lapply(msq_scales[c("EA", "LAct", "Sadness", "Joviality")], keys_of)
sample_rows <- which(rowSums(is.na(msq[, unique(items_of(unlist(score_keys)))])) > 0)[1:25]
out$msq$scores <- list(sample_rows = sample_rows)
for (imp in c("none", "median", "mean")) {
  sc <- scoreItems(score_keys, msq[, unique(items_of(unlist(score_keys)))], impute = imp)$scores
  out$msq$scores[[imp]] <- list(
    call = sprintf("scoreItems(keys, msq[, items], impute = '%s')$scores", imp),
    mean = as.list(colMeans(sc, na.rm = TRUE)), sd = as.list(apply(sc, 2, sd, na.rm = TRUE)),
    n = as.list(colSums(!is.na(sc))),
    rows = lapply(as.data.frame(sc[sample_rows, ]), function(v) v))
}

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "reference.json")
