-- 0004_warning_count.sql — how many values of a request's artifact could
-- not be carried exactly (an Excel cell over 32,767 characters, a date
-- outside a format's range, NaN in JSON …). Every one is also logged with
-- its row and column; this count is what the web app can show beside the
-- download. Only an addition, with a default (see 0003).

ALTER TABLE `export_requests`
  ADD COLUMN IF NOT EXISTS `ferry_warning_count` bigint NOT NULL DEFAULT 0;
