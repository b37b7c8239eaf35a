-- tracking.sql — the demo data's tables: the time entries of a (fictional)
-- Django app "tracking", as Django 3.2's MySQL backend would create them
-- (BigAutoField ids, datetime(6), DurationField as bigint microseconds).
-- ferry's core knows nothing of these tables: only the demo pipeline
-- configs (conf/pipelines/) name them. Loaded by scripts/demo_data.py after
-- `ferry db migrate` (it needs auth_user). Statements end with `;` at the
-- end of a line; lines starting with `--` are comments.

CREATE TABLE IF NOT EXISTS `tracking_project` (
  `id` bigint AUTO_INCREMENT NOT NULL,
  `name` varchar(200) NOT NULL,
  `code` varchar(20) NOT NULL,
  `is_active` bool NOT NULL,
  `created_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `code` (`code`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `tracking_task` (
  `id` bigint AUTO_INCREMENT NOT NULL,
  `name` varchar(200) NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `project_id` bigint NOT NULL,
  PRIMARY KEY (`id`),
  KEY `tracking_task_project_id_fk_tracking_project_id` (`project_id`),
  CONSTRAINT `tracking_task_project_id_fk_tracking_project_id`
    FOREIGN KEY (`project_id`) REFERENCES `tracking_project` (`id`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `tracking_timeentry` (
  `id` bigint AUTO_INCREMENT NOT NULL,
  `date` date NOT NULL,
  `start_time` datetime(6) NULL,
  `duration` bigint NOT NULL,
  `description` longtext NULL,
  `billable` bool NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `updated_at` datetime(6) NOT NULL,
  `project_id` bigint NOT NULL,
  `task_id` bigint NULL,
  `user_id` integer NOT NULL,
  PRIMARY KEY (`id`),
  KEY `tracking_ti_user_id_date_idx` (`user_id`, `date`),
  KEY `tracking_ti_date_idx` (`date`),
  KEY `tracking_timeentry_project_id_fk_tracking_project_id` (`project_id`),
  KEY `tracking_timeentry_task_id_fk_tracking_task_id` (`task_id`),
  CONSTRAINT `tracking_timeentry_project_id_fk_tracking_project_id`
    FOREIGN KEY (`project_id`) REFERENCES `tracking_project` (`id`),
  CONSTRAINT `tracking_timeentry_task_id_fk_tracking_task_id`
    FOREIGN KEY (`task_id`) REFERENCES `tracking_task` (`id`),
  CONSTRAINT `tracking_timeentry_user_id_fk_auth_user_id`
    FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`)
) ENGINE=InnoDB;
