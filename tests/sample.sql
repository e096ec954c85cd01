-- The database tests/airbyte and tests/singer sync: a table of varied types
-- with a single key, one with a composite key, and a view. Loaded with
-- emulator_process.sample_init, which puts it in the suite's database.
CREATE TABLE dbo.orders (
    id int NOT NULL PRIMARY KEY,
    customer nvarchar(50) NOT NULL,
    amount decimal(18,4) NOT NULL,
    price money NOT NULL,
    ratio float NOT NULL,
    placed date NOT NULL,
    updated datetime2 NOT NULL,
    shipped datetimeoffset NULL,
    code char(6) NOT NULL,
    ref uniqueidentifier NOT NULL,
    payload varbinary(8) NOT NULL,
    paid bit NOT NULL,
    note nvarchar(100) NULL
)
GO
INSERT INTO dbo.orders VALUES
 (1, N'Zoë', 12.5000, 3.25, 0.1, '2024-01-01', '2024-01-01T08:00:00.1234567', '2024-01-02T09:00:00+02:00', 'A1', '6F9619FF-8B86-D011-B42D-00C04FC964FF', 0x0102, 1, N'first'),
 (2, N'Ana "quoted"', 99999999999999.9999, 922337203685477.5807, 1e300, '2024-01-02', '2024-01-02T08:00:00', NULL, 'B2', '00000000-0000-0000-0000-000000000001', 0xFF, 0, NULL),
 (3, N'Li', -0.0001, -3.5, -2.5, '2024-01-03', '2024-01-03T08:00:00', NULL, 'C3', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 0x00, 1, N'line
break'),
 (4, N'Kim', 1, 0, 0, '2024-01-04', '2024-01-03T08:00:00', NULL, 'D4', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12', 0x0A0B, 0, N'same cursor as 3')
GO
CREATE TABLE dbo.order_lines (
    order_id int NOT NULL,
    line smallint NOT NULL,
    qty int NOT NULL,
    PRIMARY KEY (order_id, line)
)
GO
INSERT INTO dbo.order_lines VALUES (1, 1, 2), (1, 2, 1), (2, 1, 5), (3, 1, 7), (4, 1, 1), (4, 2, 3)
GO
CREATE VIEW dbo.big_orders AS SELECT id, customer, amount FROM dbo.orders WHERE amount > 10
GO
