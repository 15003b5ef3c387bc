# Makes tests/data/msq75 and tests/data/ability (responses + R psych reference values).
# Run from the repository root: Rscript tests/data/correlation/make_reference.R
# psych 2.2.9, psychTools (data msqR and ability), jsonlite not needed (JSON written by hand below).
suppressMessages({library(psych); library(psychTools)})
num <- function(v) paste0("[", paste(formatC(v, digits = 15, format = "g"), collapse = ","), "]")
mat <- function(m) paste0("[", paste(apply(m, 1, num), collapse = ","), "]")
str <- function(v) paste0("[", paste0('"', v, '"', collapse = ","), "]")

## msq75: the first 1500 respondents of msqR, its 75 mood items (0..3), 5.5% missing answers
data(msqR)
x <- msqR[1:1500, 1:75]
ids <- sprintf("M%04d", 1:1500)
out <- data.frame(respondent_id = ids, x, check.names = FALSE)
write.csv(out, "tests/data/msq75/responses.csv", row.names = FALSE, na = "")
pc <- polychoric(x)  # all 75 items: not positive definite, so psych smooths it (cor.smooth)
# Pearson-based values on the first 72 items: with alone, kindly and scornful (60% missing, as few as 135
# respondents per pair) the pairwise matrix is not positive definite and psych's KMO and Bartlett are NaN.
x72 <- x[, 1:72]
R <- cor(x72, use = "pairwise")
k <- KMO(R)
b <- cortest.bartlett(R, n = nrow(x72))
ev <- eigen(R)$values
v <- VSS(R, n = 20, n.obs = nrow(x72), plot = FALSE)
set.seed(42)
fp <- fa.parallel(x72, fa = "both", n.iter = 20, plot = FALSE)
json <- paste0('{"dataset":"msqR[1:1500, 1:75]","psych_version":"', packageVersion("psych"), '",',
  '"items":', str(colnames(x72)), ',', '"polychoric_items":', str(colnames(x)), ',',
  '"kmo":{"overall":', formatC(k$MSA, digits = 15, format = "g"), ',"items":', num(k$MSAi), '},',
  '"bartlett":{"chi2":', formatC(b$chisq, digits = 15, format = "g"), ',"df":', b$df, '},',
  '"eigenvalues":', num(ev), ',',
  '"map":', num(v$map), ',"map_n_factors":', which.min(v$map), ',',
  '"parallel":{"n_factors":', fp$nfact, ',"n_components":', fp$ncomp, ',"fa_values":', num(fp$fa.values),
  ',"fa_sim":', num(fp$fa.sim), ',"pc_sim":', num(fp$pc.sim), '},',
  '"polychoric":{"rho":', mat(pc$rho), ',"tau":', mat(pc$tau), '}}')
writeLines(json, "tests/data/msq75/reference.json")

## ability: 1525 respondents x 16 binary ability items (ICAR), with missing answers
data(ability)
a <- ability
out <- data.frame(respondent_id = sprintf("T%04d", seq_len(nrow(a))), a, check.names = FALSE)
write.csv(out, "tests/data/ability/responses.csv", row.names = FALSE, na = "")
tc <- tetrachoric(a)
json <- paste0('{"dataset":"ability","psych_version":"', packageVersion("psych"), '",',
  '"items":', str(colnames(a)), ',',
  '"tetrachoric":{"rho":', mat(tc$rho), ',"tau":', num(tc$tau), '}}')
writeLines(json, "tests/data/ability/reference.json")

## spi: tests/data/spi/responses.csv.gz (psychTools spi, 4,000 x 135 six-point items with seeded missing
## answers, written by tests/data/factor/make_fa_reference.R) -> tests/data/correlation/spi_reference.json
s <- read.csv(gzfile("tests/data/spi/responses.csv.gz"))
sx <- s[, -1]
R <- cor(sx, use = "pairwise")
k <- KMO(R)
b <- cortest.bartlett(R, n = nrow(sx))
# the whole MAP curve (1..p-1 components; VSS's default n = 8 and the n = 20 of nfactors() stop early:
# here the minimum is at 27); map does not depend on fm or rotate, fm = "pc" keeps the rest of VSS cheap
v <- VSS(R, n = ncol(sx) - 1, rotate = "none", fm = "pc", n.obs = nrow(sx), plot = FALSE)
set.seed(42)
fp <- fa.parallel(sx, fa = "both", n.iter = 20, plot = FALSE)
poly_items <- colnames(sx)[seq(1, 135, by = 3)]                        # 45 items across the inventory
pc <- polychoric(sx[, poly_items])
json <- paste0('{"dataset":"spi with seeded missing answers","psych_version":"', packageVersion("psych"), '",',
  '"items":', str(colnames(sx)), ',',
  '"kmo":{"overall":', formatC(k$MSA, digits = 15, format = "g"), ',"items":', num(k$MSAi), '},',
  '"bartlett":{"chi2":', formatC(b$chisq, digits = 15, format = "g"), ',"df":', b$df, '},',
  '"eigenvalues":', num(eigen(R)$values), ',',
  '"map":', num(v$map), ',"map_n_factors":', which.min(v$map), ',',
  '"parallel":{"n_factors":', fp$nfact, ',"n_components":', fp$ncomp, ',"fa_values":', num(fp$fa.values), '},',
  '"polychoric":{"items":', str(poly_items), ',"rho":', mat(pc$rho), ',"tau":', mat(pc$tau), '}}')
writeLines(json, "tests/data/correlation/spi_reference.json")
