-- The table tests/orchestrators syncs: one column of every SQL Server type the
-- source maps (README "Type mapping"), a key, and a datetime2 cursor for the
-- incremental reads. Row 2 is NULL wherever a column allows it. Values stay within
-- what a double holds to the digit: PyAirbyte parses JSON numbers as floats, and
-- DuckDB casts them to DECIMAL(38,9) through a double.
CREATE TABLE dbo.every_type (
    id int NOT NULL PRIMARY KEY,
    c_bit bit NOT NULL,
    c_tinyint tinyint NOT NULL,
    c_smallint smallint NOT NULL,
    c_int int NULL,
    c_bigint bigint NOT NULL,
    c_decimal decimal(38,10) NULL,
    c_numeric numeric(18,4) NOT NULL,
    c_money money NOT NULL,
    c_smallmoney smallmoney NOT NULL,
    c_real real NOT NULL,
    c_float float NULL,
    c_date date NULL,
    c_time time(7) NULL,
    c_smalldatetime smalldatetime NOT NULL,
    c_datetime datetime NOT NULL,
    c_datetime2 datetime2(7) NULL,
    c_datetimeoffset datetimeoffset(7) NULL,
    c_char char(6) NOT NULL,
    c_varchar varchar(50) NULL,
    c_nchar nchar(4) NOT NULL,
    c_nvarchar nvarchar(50) NULL,
    c_text text NULL,
    c_ntext ntext NULL,
    c_xml xml NULL,
    c_uniqueidentifier uniqueidentifier NULL,
    c_binary binary(4) NOT NULL,
    c_varbinary varbinary(16) NULL,
    c_image image NULL,
    c_rowversion rowversion,
    c_sql_variant sql_variant NULL,
    updated datetime2(7) NOT NULL
)
GO
INSERT INTO dbo.every_type (id, c_bit, c_tinyint, c_smallint, c_int, c_bigint, c_decimal,
    c_numeric, c_money, c_smallmoney, c_real, c_float, c_date, c_time, c_smalldatetime,
    c_datetime, c_datetime2, c_datetimeoffset, c_char, c_varchar, c_nchar, c_nvarchar, c_text,
    c_ntext, c_xml, c_uniqueidentifier, c_binary, c_varbinary, c_image, c_sql_variant, updated)
VALUES
 (1, 1, 255, -32768, -2147483648, 9223372036854775807, 1234567.0123,
  -99999.9999, 12345678.9012, -214748.3648, 0.5, 12345.625, '2024-02-29',
  '23:59:59.9999999', '2024-02-29 13:45:00', '2024-02-29 13:45:30.997',
  '2024-02-29T13:45:30.1234567', '2024-02-29T13:45:30.1234567+05:30', 'ab', 'café', N'Ωx',
  N'Grüße 日本 😀', 'long text', N'ntext ü', '<a b="1">x</a>',
  '6F9619FF-8B86-D011-B42D-00C04FC964FF', 0x01020304, 0xDEADBEEF, 0x00FF, 42,
  '2024-03-01T08:00:00.0000000'),
 (2, 0, 0, 0, NULL, -9223372036854775808, NULL, 0, 0, 0, -1.5, NULL, NULL, NULL,
  '1900-01-01 00:00:00', '1753-01-01 00:00:00', NULL, NULL, 'z', NULL, N'n', NULL, NULL, NULL,
  NULL, NULL, 0x00, NULL, NULL, NULL, '2024-03-02T08:00:00.0000000')
GO
