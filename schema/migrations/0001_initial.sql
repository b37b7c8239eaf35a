-- 0001_initial.sql — the seed's tables (shared/seed/export_schema.md) and
-- Django's auth_user, exactly as Django 3.2's MySQL backend creates them on
-- MariaDB 10.11: same column types and order, nullability, index and
-- constraint names (Meta.indexes' generated names, `*_fk_*`, `*_uniq`).
-- tests/schema/test_schema.py compares the result with what Django's own
-- `migrate` makes (tests/schema/djref) and fails on any difference.
--
-- The web application may have created these tables already (its `migrate`
-- ran first): every statement is CREATE TABLE IF NOT EXISTS, so existing
-- tables are left exactly as they are. Indexes, foreign keys and JSON checks
-- are declared inline so that a table is created whole or not at all.
-- Django adds no ON DELETE clause (it cascades in Python) and no defaults.
-- JSONField is `json`, which MariaDB stores as longtext COLLATE utf8mb4_bin
-- CHECK (json_valid(`col`)); UUIDField is char(32); DurationField bigint
-- (microseconds); BooleanField bool (tinyint(1)); URLField varchar(200);
-- GenericIPAddressField char(39). Choices are not database constraints.
--
-- How `ferry db migrate` reads this file (every migration): a statement ends
-- at a line whose last non-blank character is `;`. Lines whose first
-- non-blank characters are `--` are comments and are dropped (so neither a
-- string literal nor a comment may end a line with `;` or start one with
-- `--`). Statements run one at a time, in order; DDL commits implicitly in
-- MySQL, so every statement must be safe to run again (IF NOT EXISTS) in
-- case a migration is interrupted before it is recorded.

CREATE TABLE IF NOT EXISTS `auth_user` (
  `id` integer AUTO_INCREMENT NOT NULL,
  `password` varchar(128) NOT NULL,
  `last_login` datetime(6) NULL,
  `is_superuser` bool NOT NULL,
  `username` varchar(150) NOT NULL,
  `first_name` varchar(150) NOT NULL,
  `last_name` varchar(150) NOT NULL,
  `email` varchar(254) NOT NULL,
  `is_staff` bool NOT NULL,
  `is_active` bool NOT NULL,
  `date_joined` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `username` (`username`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `export_templates` (
  `id` char(32) NOT NULL,
  `name` varchar(255) NOT NULL,
  `description` longtext NOT NULL,
  `format` varchar(20) NOT NULL,
  `field_configuration` json NOT NULL,
  `default_filters` json NOT NULL,
  `layout_settings` json NOT NULL,
  `is_public` bool NOT NULL,
  `usage_count` integer NOT NULL,
  `last_used` datetime(6) NULL,
  `created_at` datetime(6) NOT NULL,
  `updated_at` datetime(6) NOT NULL,
  `user_id` integer NOT NULL,
  PRIMARY KEY (`id`),
  KEY `export_temp_user_id_821482_idx` (`user_id`, `created_at` DESC),
  KEY `export_temp_is_publ_6de6d0_idx` (`is_public`, `usage_count` DESC),
  CONSTRAINT `export_templates_user_id_d6e1045a_fk_auth_user_id`
    FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `export_templates_shared_with` (
  `id` integer AUTO_INCREMENT NOT NULL,
  `exporttemplate_id` char(32) NOT NULL,
  `user_id` integer NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `export_templates_shared__exporttemplate_id_user_i_2ca9aea5_uniq` (`exporttemplate_id`, `user_id`),
  KEY `export_templates_shared_with_user_id_af651b27_fk_auth_user_id` (`user_id`),
  CONSTRAINT `export_templates_sha_exporttemplate_id_ca3e5b32_fk_export_te`
    FOREIGN KEY (`exporttemplate_id`) REFERENCES `export_templates` (`id`),
  CONSTRAINT `export_templates_shared_with_user_id_af651b27_fk_auth_user_id`
    FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `export_schedules` (
  `id` char(32) NOT NULL,
  `name` varchar(255) NOT NULL,
  `cron_pattern` varchar(100) NOT NULL,
  `timezone` varchar(50) NOT NULL,
  `email_recipients` json NOT NULL,
  `include_download_link` bool NOT NULL,
  `attach_file` bool NOT NULL,
  `is_active` bool NOT NULL,
  `last_run` datetime(6) NULL,
  `next_run` datetime(6) NOT NULL,
  `run_count` integer NOT NULL,
  `failure_count` integer NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `updated_at` datetime(6) NOT NULL,
  `template_id` char(32) NOT NULL,
  `user_id` integer NOT NULL,
  PRIMARY KEY (`id`),
  KEY `export_sche_user_id_78f0d0_idx` (`user_id`, `is_active`),
  KEY `export_sche_next_ru_13f15d_idx` (`next_run`, `is_active`),
  KEY `export_schedules_template_id_16e6aadf_fk_export_templates_id` (`template_id`),
  CONSTRAINT `export_schedules_template_id_16e6aadf_fk_export_templates_id`
    FOREIGN KEY (`template_id`) REFERENCES `export_templates` (`id`),
  CONSTRAINT `export_schedules_user_id_5b796a33_fk_auth_user_id`
    FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `export_requests` (
  `id` char(32) NOT NULL,
  `title` varchar(255) NOT NULL,
  `description` longtext NOT NULL,
  `format` varchar(20) NOT NULL,
  `filters` json NOT NULL,
  `date_range_start` datetime(6) NULL,
  `date_range_end` datetime(6) NULL,
  `selected_fields` json NOT NULL,
  `status` varchar(20) NOT NULL,
  `progress_percentage` integer NOT NULL,
  `error_message` longtext NOT NULL,
  `file_path` varchar(500) NOT NULL,
  `file_size` bigint NULL,
  `download_url` varchar(200) NOT NULL,
  `download_count` integer NOT NULL,
  `is_scheduled` bool NOT NULL,
  `schedule_pattern` varchar(100) NOT NULL,
  `next_run` datetime(6) NULL,
  `created_at` datetime(6) NOT NULL,
  `updated_at` datetime(6) NOT NULL,
  `started_at` datetime(6) NULL,
  `completed_at` datetime(6) NULL,
  `expires_at` datetime(6) NULL,
  `template_id` char(32) NULL,
  `user_id` integer NOT NULL,
  PRIMARY KEY (`id`),
  KEY `export_requ_user_id_79d84b_idx` (`user_id`, `created_at` DESC),
  KEY `export_requ_status_1674df_idx` (`status`, `created_at`),
  KEY `export_requ_expires_600396_idx` (`expires_at`),
  KEY `export_requ_next_ru_897bad_idx` (`next_run`),
  KEY `export_requests_template_id_a4ff74f9_fk_export_templates_id` (`template_id`),
  CONSTRAINT `export_requests_template_id_a4ff74f9_fk_export_templates_id`
    FOREIGN KEY (`template_id`) REFERENCES `export_templates` (`id`),
  CONSTRAINT `export_requests_user_id_50fe11cb_fk_auth_user_id`
    FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `export_audit_logs` (
  `id` char(32) NOT NULL,
  `action` varchar(50) NOT NULL,
  `ip_address` char(39) NOT NULL,
  `user_agent` longtext NOT NULL,
  `additional_data` json NOT NULL,
  `timestamp` datetime(6) NOT NULL,
  `export_request_id` char(32) NOT NULL,
  `user_id` integer NOT NULL,
  PRIMARY KEY (`id`),
  KEY `export_audi_export__e3c59a_idx` (`export_request_id`, `timestamp` DESC),
  KEY `export_audi_user_id_e30c9b_idx` (`user_id`, `timestamp` DESC),
  KEY `export_audi_action_96fdcd_idx` (`action`, `timestamp` DESC),
  CONSTRAINT `export_audit_logs_export_request_id_14d41e7d_fk_export_re`
    FOREIGN KEY (`export_request_id`) REFERENCES `export_requests` (`id`),
  CONSTRAINT `export_audit_logs_user_id_4dae43fc_fk_auth_user_id`
    FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `export_usage_stats` (
  `id` char(32) NOT NULL,
  `date` date NOT NULL,
  `total_exports` integer NOT NULL,
  `csv_exports` integer NOT NULL,
  `json_exports` integer NOT NULL,
  `pdf_exports` integer NOT NULL,
  `excel_exports` integer NOT NULL,
  `total_records_exported` bigint NOT NULL,
  `total_file_size` bigint NOT NULL,
  `avg_processing_time` bigint NULL,
  `failed_exports` integer NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `updated_at` datetime(6) NOT NULL,
  `user_id` integer NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `export_usage_stats_user_id_date_b8555ec1_uniq` (`user_id`, `date`),
  KEY `export_usag_user_id_f213ee_idx` (`user_id`, `date` DESC),
  KEY `export_usag_date_f4bf31_idx` (`date` DESC),
  CONSTRAINT `export_usage_stats_user_id_4bf1e8e3_fk_auth_user_id`
    FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`)
) ENGINE=InnoDB;
