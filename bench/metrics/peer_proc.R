# Peer for bench/metrics/auc-delong.mjs: pROC roc() + ci.auc(method = "delong") on the same data.
suppressMessages(library(pROC))
a <- commandArgs(trailingOnly = TRUE)
d <- a[1]; n <- as.integer(a[2]); rounds <- as.integer(a[3])
y <- as.integer(readBin(file.path(d, "labels.u8"), what = "raw", n = n))
s <- readBin(file.path(d, "scores.f64"), what = "double", n = n, size = 8, endian = "little")
run <- function() {
  r <- roc(y, s, levels = c(0, 1), direction = "<", quiet = TRUE)
  ci.auc(r, method = "delong")
}
ci <- run()  # warm-up
best <- Inf
for (i in seq_len(rounds)) {
  t0 <- proc.time()[["elapsed"]]
  ci <- run()
  best <- min(best, proc.time()[["elapsed"]] - t0)
}
cat(sprintf('{"seconds": %.6f, "auc": %.17g, "ci": [%.17g, %.17g]}\n', best, ci[2], ci[1], ci[3]))
