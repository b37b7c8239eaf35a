SELECT * FROM dump_table
