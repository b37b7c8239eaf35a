-- dump_table.sql — the "plain table dump" benchmark table: 9 columns of the
-- usual kinds (BIGINT key, INT, INT, BIGINT, SMALLINT, DATETIME, VARCHAR,
-- TEXT whose every tenth value has a comma and double quotes, DECIMAL),
-- @ROWS@ rows (bench.py sets it) made by MariaDB's Sequence engine in a few seconds.
-- Deterministic: the same rows every time. By hand:
--   sed s/@ROWS@/1000000/ dump_table.sql | mariadb --socket=SOCK DATABASE
-- Dumped by scripts/bench/peers/dump.cfg (ferry), and by the peers with
-- SELECT * FROM dump_table.
DROP TABLE IF EXISTS dump_table;
CREATE TABLE dump_table (
  id BIGINT NOT NULL PRIMARY KEY,
  qty INT NOT NULL,
  account INT NULL,
  ref BIGINT NOT NULL,
  status SMALLINT NOT NULL,
  created DATETIME NOT NULL,
  code VARCHAR(32) NOT NULL,
  note TEXT NULL,
  amount DECIMAL(12,2) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO dump_table
SELECT n,
       (n * 7919) % 100000 - 50000,
       IF(n % 17 = 0, NULL, (n * 104729) % 2147483647),
       n * 1000003 + 4294967296,
       n % 7,
       TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (n * 37) % 63072000 SECOND,
       CONCAT('C-', LPAD(HEX(n * 2654435761 % 4294967296), 8, '0')),
       IF(n % 10 = 0,
          CONCAT('Order ', n, ', "rush", see note'),
          CONCAT('plain note number ', n)),
       ((n * 31337) % 100000000) / 100 - 200000
FROM (SELECT CAST(seq AS SIGNED) AS n FROM seq_1_to_@ROWS@) AS s;
