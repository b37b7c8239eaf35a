-- 0003_ferry_columns.sql — what ferry needs beyond the seed: a worker's
-- lease and attempt on export_requests, the artifact's checksum, row count,
-- download name and content type, the schedule that made a request; a mark
-- on schedules whose pattern or time zone is invalid; and a table of
-- schedule runs whose unique key makes a duplicate run impossible.
--
-- Only additions: no seed column, index or constraint is altered or
-- dropped. Every added column is nullable or has a default, so the Django
-- ORM (which names its columns on INSERT) keeps inserting rows. Every
-- statement is idempotent (IF NOT EXISTS). Statement rules: see 0001.

ALTER TABLE `export_requests`
  ADD COLUMN IF NOT EXISTS `ferry_attempt` int NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS `ferry_lease_owner` varchar(128) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS `ferry_lease_expires_at` datetime(6) NULL,
  ADD COLUMN IF NOT EXISTS `ferry_row_count` bigint NULL,
  ADD COLUMN IF NOT EXISTS `ferry_checksum` varchar(64) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS `ferry_file_name` varchar(255) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS `ferry_content_type` varchar(100) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS `ferry_schedule_id` char(32) NULL;

CREATE INDEX IF NOT EXISTS `ferry_req_claim_idx`
  ON `export_requests` (`status`, `ferry_lease_expires_at`);

ALTER TABLE `export_schedules`
  ADD COLUMN IF NOT EXISTS `ferry_invalid_at` datetime(6) NULL;

CREATE TABLE IF NOT EXISTS `ferry_schedule_runs` (
  `id` bigint AUTO_INCREMENT NOT NULL,
  `schedule_id` char(32) NOT NULL,
  `fire_time` datetime(6) NOT NULL,
  `request_id` char(32) NULL,
  `created_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `ferry_schedule_runs_uniq` (`schedule_id`, `fire_time`)
) ENGINE=InnoDB;
