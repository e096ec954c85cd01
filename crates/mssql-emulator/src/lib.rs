//! `mssql-emulator`: a SQL Server you can run anywhere, a TDS 7.4 listener over [`tsql_engine`].
