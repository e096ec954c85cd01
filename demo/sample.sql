-- The demo's sample database `shop`: what a small online shop keeps.
-- Run by the emulator at start (mssql-emulator --init demo/sample.sql).
USE shop
GO
CREATE TABLE dbo.customers (
    id int NOT NULL PRIMARY KEY,
    name nvarchar(100) NOT NULL,
    email varchar(120) NULL,
    country char(2) NOT NULL,
    balance money NOT NULL,
    vip bit NOT NULL,
    signed_up datetime2 NOT NULL,
    external_id uniqueidentifier NOT NULL
)
GO
INSERT INTO dbo.customers VALUES
 (1, N'Zoë Müller', 'zoe@example.ch', 'CH', 120.5000, 1, '2023-01-15T09:30:00.1234567', '6F9619FF-8B86-D011-B42D-00C04FC964FF'),
 (2, N'Ana "the quoter" Silva', 'ana@example.pt', 'PT', 0, 0, '2023-02-01T10:00:00', '0E984725-C51C-4BF4-9960-E1C80E27ABA0'),
 (3, N'李小龍', NULL, 'HK', 999999.9999, 1, '2023-03-10T18:45:12.5', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'),
 (4, N'Jean Dupont', 'jean@example.fr', 'FR', -12.2500, 0, '2023-04-22T07:05:00', 'B1A6E7C2-1D3F-4A5B-9C8D-7E6F5A4B3C2D'),
 (5, N'Olga Ivanova', 'olga@example.com', 'DE', 45.0000, 0, '2023-05-30T23:59:59.9999999', 'C2B7F8D3-2E4A-4B6C-8D9E-8F7A6B5C4D3E'),
 (6, N'Sam O''Brien', 'sam@example.ie', 'IE', 3.1400, 1, '2023-06-01T12:00:00', 'D3C8A9E4-3F5B-4C7D-9E0F-9A8B7C6D5E4F')
GO
CREATE TABLE dbo.products (
    sku varchar(20) NOT NULL PRIMARY KEY,
    title nvarchar(200) NOT NULL,
    price decimal(10,2) NOT NULL,
    weight_kg real NULL,
    rating float NULL,
    thumbnail varbinary(max) NULL,
    available_from date NOT NULL,
    opens_at time NULL
)
GO
INSERT INTO dbo.products VALUES
 ('MUG-01', N'Coffee mug ☕', 12.90, 0.35, 4.5, 0x89504E47, '2023-01-01', '08:00:00'),
 ('TEE-M', N'T-shirt, size M', 24.00, 0.2, 3.75, NULL, '2023-02-15', NULL),
 ('TEE-L', N'T-shirt, size L', 24.00, 0.22, NULL, NULL, '2023-02-15', NULL),
 ('BOOK-7', N'A book about "quotes" and \backslashes\', 39.50, 0.8, 4.9, 0x00FF, '2023-03-01', '09:30:00.5'),
 ('SOCK-3', N'Socks, pack of 3', 9.99, 0.1, 4.1, NULL, '2023-04-01', NULL)
GO
-- orders 1005 and 1006 share the latest updated_at: the demo's incremental
-- sync reads them again from the saved state (rows sharing the last cursor
-- value may repeat, none is lost).
CREATE TABLE dbo.orders (
    id int NOT NULL PRIMARY KEY,
    customer_id int NOT NULL,
    placed_at datetimeoffset NOT NULL,
    updated_at datetime2 NOT NULL,
    status nvarchar(20) NOT NULL,
    total decimal(12,2) NOT NULL,
    note nvarchar(max) NULL
)
GO
INSERT INTO dbo.orders VALUES
 (1001, 1, '2024-05-01T10:00:00+02:00', '2024-05-01T10:00:00', N'delivered', 37.80, NULL),
 (1002, 2, '2024-05-02T11:30:00-03:00', '2024-05-03T08:00:00', N'delivered', 24.00, N'gift wrap'),
 (1003, 3, '2024-05-03T09:15:00+08:00', '2024-05-04T12:00:00', N'shipped', 88.40, N'leave at
the door'),
 (1004, 1, '2024-05-04T16:45:00+02:00', '2024-05-04T12:00:00', N'shipped', 9.99, NULL),
 (1005, 5, '2024-05-05T08:00:00+00:00', '2024-05-06T20:20:00', N'paid', 51.90, NULL),
 (1006, 6, '2024-05-06T20:20:00+01:00', '2024-05-06T20:20:00', N'new', 12.90, NULL)
GO
CREATE TABLE dbo.order_lines (
    order_id int NOT NULL,
    line_no smallint NOT NULL,
    sku varchar(20) NOT NULL,
    quantity tinyint NOT NULL,
    unit_price decimal(10,2) NOT NULL,
    PRIMARY KEY (order_id, line_no)
)
GO
INSERT INTO dbo.order_lines VALUES
 (1001, 1, 'MUG-01', 1, 12.90), (1001, 2, 'SOCK-3', 1, 9.99), (1001, 3, 'TEE-M', 1, 14.91),
 (1002, 1, 'TEE-L', 1, 24.00),
 (1003, 1, 'BOOK-7', 2, 39.50), (1003, 2, 'SOCK-3', 1, 9.40),
 (1004, 1, 'SOCK-3', 1, 9.99),
 (1005, 1, 'MUG-01', 2, 12.90), (1005, 2, 'TEE-M', 1, 24.00), (1005, 3, 'SOCK-3', 1, 2.10),
 (1006, 1, 'MUG-01', 1, 12.90)
GO
-- A view is a stream too (without a primary key).
CREATE VIEW dbo.order_totals AS
SELECT o.id AS order_id, c.name AS customer, COUNT(*) AS lines, SUM(l.quantity * l.unit_price) AS goods
FROM dbo.orders o
JOIN dbo.customers c ON c.id = o.customer_id
JOIN dbo.order_lines l ON l.order_id = o.id
GROUP BY o.id, c.name
GO
