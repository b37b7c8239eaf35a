-- 0002_default_templates.sql — the seed's data migration "Default
-- Templates": a public "Basic Time Tracking Export" (csv) owned by the first
-- superuser (lowest id, as Django's .first()), when one exists. Idempotent:
-- nothing is inserted when a public template of that name exists already
-- (for instance made by the web application's own data migration).
-- The id is a random (version 4) UUID as 32 hex digits, as Django stores it;
-- the JSON is what Django's JSONField writes (json.dumps).
-- Statement rules: see 0001_initial.sql.

INSERT INTO `export_templates`
  (`id`, `name`, `description`, `format`, `field_configuration`, `default_filters`,
   `layout_settings`, `is_public`, `usage_count`, `last_used`, `created_at`, `updated_at`,
   `user_id`)
SELECT CONCAT(SUBSTRING(r.h, 1, 12), '4', SUBSTRING(r.h, 14, 3),
              SUBSTRING('89ab', 1 + (ASCII(SUBSTRING(r.h, 17, 1)) % 4), 1),
              SUBSTRING(r.h, 18, 15)),
       'Basic Time Tracking Export', '', 'csv',
       '{"fields": ["date", "project", "task", "duration", "description"], "headers": ["Date", "Project", "Task", "Duration", "Description"]}',
       '{}', '{}', 1, 0, NULL, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), u.`id`
  FROM (SELECT `id` FROM `auth_user` WHERE `is_superuser` = 1 ORDER BY `id` LIMIT 1) AS u
  CROSS JOIN (SELECT LOWER(HEX(RANDOM_BYTES(16))) AS h) AS r
 WHERE NOT EXISTS (SELECT 1 FROM `export_templates`
                    WHERE `name` = 'Basic Time Tracking Export' AND `is_public` = 1);
