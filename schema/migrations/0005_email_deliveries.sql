-- 0005_email_deliveries.sql — one row per (request, recipient) of an
-- after-commit sink that names its recipients (sink-email): written right
-- after the request's completion commits, so a mail survives the worker
-- that completed the request. Any worker finishes it: it claims due rows
-- (sent_at and failed_at NULL, next_try_at passed) with FOR UPDATE SKIP
-- LOCKED, counts the attempt, sends, then sets sent_at, or next_try_at
-- (exponential backoff with jitter), or failed_at after the last attempt.
-- A new table only (see 0003); idempotent.

CREATE TABLE IF NOT EXISTS `ferry_email_deliveries` (
  `id` bigint AUTO_INCREMENT NOT NULL,
  `request_id` char(32) NOT NULL,
  `sink` varchar(100) NOT NULL,
  `recipient` varchar(320) NOT NULL,
  `attempts` int NOT NULL DEFAULT 0,
  `last_error` text NOT NULL DEFAULT '',
  `next_try_at` datetime(6) NOT NULL,
  `sent_at` datetime(6) NULL,
  `failed_at` datetime(6) NULL,
  `created_at` datetime(6) NOT NULL,
  `updated_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `ferry_email_deliveries_uniq` (`request_id`, `recipient`),
  KEY `ferry_email_deliveries_due` (`sent_at`, `failed_at`, `next_try_at`)
) ENGINE=InnoDB;
