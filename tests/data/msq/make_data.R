# Writes responses.csv: 42 mood items of the Motivational State Questionnaire (psychTools::msq,
# Revelle & Anderson; 3,896 respondents, items coded 0..3, blanks = missing; two forms of the
# questionnaire left some items unanswered by about half the respondents) plus a seeded synthetic survey
# weight. Run from this folder: Rscript make_data.R
library(psychTools)
items <- c("active", "energetic", "vigorous", "wakeful", "wide.awake", "full.of.pep", "lively", "sleepy",
           "tired", "drowsy", "intense", "jittery", "fearful", "tense", "clutched.up", "quiet", "still",
           "placid", "calm", "at.rest", "inactive", "idle", "tranquil", "nervous", "anxious", "distressed",
           "sad", "blue", "lonely", "alone", "happy", "delighted", "cheerful", "excited", "enthusiastic",
           "angry", "hostile", "irritable", "scornful", "proud", "strong", "confident")
x <- msq[, items]
set.seed(20240601)
w <- round(rlnorm(nrow(x), 0, 0.5), 4)
out <- data.frame(respondent_id = sprintf("M%04d", seq_len(nrow(x))), x, weight = w, check.names = FALSE)
write.csv(out, "responses.csv", row.names = FALSE, na = "")
