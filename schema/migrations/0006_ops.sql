-- 0006_ops.sql — what operators steer with: the queue's pause switch (one
-- row, read by every worker on every host before it claims), and the link
-- from a request to the recurring request (is_scheduled, schedule_pattern,
-- next_run, as the seed models it) that made it.
--
-- Only additions, nullable or with defaults, idempotent (see 0003).
-- Statement rules: see 0001.

CREATE TABLE IF NOT EXISTS `ferry_queue_state` (
  `id` tinyint NOT NULL,
  `paused` bool NOT NULL DEFAULT 0,
  `reason` varchar(255) NOT NULL DEFAULT '',
  `changed_by` varchar(320) NOT NULL DEFAULT '',
  `changed_at` datetime(6) NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;

INSERT IGNORE INTO `ferry_queue_state` (`id`, `paused`, `reason`, `changed_by`, `changed_at`)
  VALUES (1, 0, '', '', NULL);

ALTER TABLE `export_requests`
  ADD COLUMN IF NOT EXISTS `ferry_origin_id` char(32) NULL;

CREATE INDEX IF NOT EXISTS `ferry_req_origin_idx`
  ON `export_requests` (`ferry_origin_id`, `created_at`);
