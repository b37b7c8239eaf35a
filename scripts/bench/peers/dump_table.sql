-- dump_table.sql — the benchmark's plain table (issue "Performance", part
-- 3): 9 columns (integers, a timestamp, text, a decimal), filled with
-- @ROWS@ rows by MariaDB's Sequence engine in one INSERT … SELECT.
-- bench.py replaces @ROWS@; every tenth `body` holds a comma and quotes,
-- so CSV writers must quote it.
DROP TABLE IF EXISTS bench_dump;
CREATE TABLE bench_dump (
  id BIGINT NOT NULL PRIMARY KEY,
  account INT NOT NULL,
  item INT NOT NULL,
  counter BIGINT NOT NULL,
  kind SMALLINT NOT NULL,
  created DATETIME NOT NULL,
  name VARCHAR(64) NOT NULL,
  body TEXT NULL,
  amount DECIMAL(12,2) NOT NULL
) ENGINE=InnoDB;
INSERT INTO bench_dump
SELECT seq, seq % 1000, (seq * 7) % 100003, seq * 1000003, seq % 32000,
       TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND,
       CONCAT('name-', seq),
       IF(seq % 10 = 0, CONCAT('text, with "quotes" ', seq), CONCAT('plain text value ', seq)),
       (seq % 10000000) / 100
FROM seq_1_to_@ROWS@;
