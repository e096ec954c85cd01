//! The server's token stream (MS-TDS 2.2.7): every response is a sequence of tokens, each a
//! type byte and its data. Each function here appends one token to `out`.

use crate::types::{ColumnMeta, SqlError, SqlType, Updateable, Value};
use crate::values::{encode_type_info, encode_value, type_id, TypeInfo};
use crate::wire::{put_b_varbyte, put_b_varchar, put_us_varchar, utf16_len};
use crate::Result;

pub const TOKEN_COLMETADATA: u8 = 0x81;
pub const TOKEN_RETURNSTATUS: u8 = 0x79;
pub const TOKEN_ERROR: u8 = 0xAA;
pub const TOKEN_INFO: u8 = 0xAB;
pub const TOKEN_RETURNVALUE: u8 = 0xAC;
pub const TOKEN_LOGINACK: u8 = 0xAD;
pub const TOKEN_FEATUREEXTACK: u8 = 0xAE;
pub const TOKEN_ROW: u8 = 0xD1;
pub const TOKEN_NBCROW: u8 = 0xD2;
pub const TOKEN_ENVCHANGE: u8 = 0xE3;
pub const TOKEN_DONE: u8 = 0xFD;
pub const TOKEN_DONEPROC: u8 = 0xFE;
pub const TOKEN_DONEINPROC: u8 = 0xFF;

/// DONE status: more results follow in this response.
pub const DONE_MORE: u16 = 0x0001;
/// DONE status: the statement failed.
pub const DONE_ERROR: u16 = 0x0002;
/// DONE status: a transaction is in progress.
pub const DONE_INXACT: u16 = 0x0004;
/// DONE status: the row count is valid.
pub const DONE_COUNT: u16 = 0x0010;
/// DONE status: acknowledges an attention.
pub const DONE_ATTN: u16 = 0x0020;
/// DONE status: a server error made the statement's results unusable.
pub const DONE_SRVERROR: u16 = 0x0100;

/// The current-command value SQL Server puts in the DONE of a SELECT.
pub const CURCMD_SELECT: u16 = 0xC1;

/// LOGINACK interface: T-SQL.
const INTERFACE_SQL: u8 = 1;

/// Which of the three DONE tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoneKind {
    /// The end of a statement of a batch.
    Done,
    /// The end of a stored procedure (an RPC).
    DoneProc,
    /// The end of a statement inside a stored procedure.
    DoneInProc,
}

impl DoneKind {
    pub fn token(self) -> u8 {
        match self {
            DoneKind::Done => TOKEN_DONE,
            DoneKind::DoneProc => TOKEN_DONEPROC,
            DoneKind::DoneInProc => TOKEN_DONEINPROC,
        }
    }
}

/// DONE, DONEPROC or DONEINPROC.
pub fn done(out: &mut Vec<u8>, kind: DoneKind, status: u16, cur_cmd: u16, row_count: u64) {
    out.push(kind.token());
    out.extend_from_slice(&status.to_le_bytes());
    out.extend_from_slice(&cur_cmd.to_le_bytes());
    out.extend_from_slice(&row_count.to_le_bytes());
}

/// LOGINACK: the login succeeded. `tds_version` as the spec writes it (0x74000004), sent
/// big-endian; `server_version` is (major, minor, build).
pub fn login_ack(out: &mut Vec<u8>, tds_version: u32, prog_name: &str, server_version: [u8; 4]) {
    let len = 1 + 4 + 1 + 2 * utf16_len(prog_name) + 4;
    out.push(TOKEN_LOGINACK);
    out.extend_from_slice(&(len as u16).to_le_bytes());
    out.push(INTERFACE_SQL);
    out.extend_from_slice(&tds_version.to_be_bytes());
    put_b_varchar(out, prog_name);
    out.extend_from_slice(&server_version);
}

/// ERROR (`is_error`) or INFO, with the server's name.
pub fn message(out: &mut Vec<u8>, msg: &SqlError, is_error: bool, server_name: &str) {
    let mut body = Vec::with_capacity(64 + msg.message.len() * 2);
    body.extend_from_slice(&msg.number.to_le_bytes());
    body.push(msg.state);
    body.push(msg.class);
    put_us_varchar(&mut body, &msg.message);
    put_b_varchar(&mut body, server_name);
    put_b_varchar(&mut body, &msg.procedure);
    body.extend_from_slice(&msg.line.to_le_bytes());
    out.push(if is_error { TOKEN_ERROR } else { TOKEN_INFO });
    out.extend_from_slice(&(body.len() as u16).to_le_bytes());
    out.extend_from_slice(&body);
}

/// An ENVCHANGE the server can send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvChangeToken<'a> {
    Database {
        new: &'a str,
        old: &'a str,
    },
    Language {
        new: &'a str,
        old: &'a str,
    },
    PacketSize {
        new: u32,
        old: u32,
    },
    /// The 5-byte collation (new; the old one is sent empty).
    Collation {
        new: &'a [u8],
    },
    BeginTransaction {
        descriptor: u64,
    },
    CommitTransaction {
        descriptor: u64,
    },
    RollbackTransaction {
        descriptor: u64,
    },
    /// The connection was reset (as the client asked in a packet header).
    ResetConnectionAck,
    /// Go to this server instead (type 20, MS-TDS 2.2.7.9): protocol TCP, its port and
    /// name, as Azure SQL's gateway answers a login under the redirect policy.
    Routing {
        port: u16,
        server: &'a str,
    },
}

/// ENVCHANGE: the session's environment changed.
pub fn env_change(out: &mut Vec<u8>, change: &EnvChangeToken<'_>) {
    let mut body = Vec::with_capacity(64);
    match change {
        EnvChangeToken::Database { new, old } => {
            body.push(1);
            put_b_varchar(&mut body, new);
            put_b_varchar(&mut body, old);
        }
        EnvChangeToken::Language { new, old } => {
            body.push(2);
            put_b_varchar(&mut body, new);
            put_b_varchar(&mut body, old);
        }
        EnvChangeToken::PacketSize { new, old } => {
            body.push(4);
            put_b_varchar(&mut body, &new.to_string());
            put_b_varchar(&mut body, &old.to_string());
        }
        EnvChangeToken::Collation { new } => {
            body.push(7);
            put_b_varbyte(&mut body, new);
            put_b_varbyte(&mut body, &[]);
        }
        EnvChangeToken::BeginTransaction { descriptor } => {
            body.push(8);
            put_b_varbyte(&mut body, &descriptor.to_le_bytes());
            put_b_varbyte(&mut body, &[]);
        }
        EnvChangeToken::CommitTransaction { descriptor } => {
            body.push(9);
            put_b_varbyte(&mut body, &[]);
            put_b_varbyte(&mut body, &descriptor.to_le_bytes());
        }
        EnvChangeToken::RollbackTransaction { descriptor } => {
            body.push(10);
            put_b_varbyte(&mut body, &[]);
            put_b_varbyte(&mut body, &descriptor.to_le_bytes());
        }
        EnvChangeToken::ResetConnectionAck => {
            body.push(18);
            put_b_varbyte(&mut body, &[]);
            put_b_varbyte(&mut body, &[]);
        }
        EnvChangeToken::Routing { port, server } => {
            // NewValue: a USHORT-length block (protocol 0 = TCP, port, US_VARCHAR name);
            // OldValue: an empty USHORT-length block.
            let mut value = vec![0u8];
            value.extend_from_slice(&port.to_le_bytes());
            put_us_varchar(&mut value, server);
            body.push(20);
            body.extend_from_slice(&(value.len() as u16).to_le_bytes());
            body.extend_from_slice(&value);
            body.extend_from_slice(&0u16.to_le_bytes());
        }
    }
    out.push(TOKEN_ENVCHANGE);
    out.extend_from_slice(&(body.len() as u16).to_le_bytes());
    out.extend_from_slice(&body);
}

/// FEATUREEXTACK: the features the server acknowledges, (id, data); possibly none.
pub fn feature_ext_ack(out: &mut Vec<u8>, features: &[(u8, Vec<u8>)]) {
    out.push(TOKEN_FEATUREEXTACK);
    for (id, data) in features {
        out.push(*id);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    }
    out.push(0xFF);
}

/// The bits of COLMETADATA's Flags (MS-TDS 2.2.7.4), least significant first. Bits 6-7
/// (usReservedODBC), 9 and 12 are reserved; the emulator never sets fFixedLenCLRType (it
/// has no CLR types), fSparseColumnSet (no sparse columns), fEncrypted (no Always
/// Encrypted), fHidden and fKey (browse mode only: no `FOR BROWSE`) or fNullableUnknown (it
/// always knows).
pub mod column_flags {
    pub const NULLABLE: u16 = 0x0001;
    pub const CASE_SENSITIVE: u16 = 0x0002;
    /// usUpdateable (bits 2-3) = 1.
    pub const UPDATEABLE_READ_WRITE: u16 = 0x0004;
    /// usUpdateable (bits 2-3) = 2.
    pub const UPDATEABLE_UNKNOWN: u16 = 0x0008;
    pub const IDENTITY: u16 = 0x0010;
    pub const COMPUTED: u16 = 0x0020;
    pub const FIXED_LEN_CLR_TYPE: u16 = 0x0100;
    pub const SPARSE_COLUMN_SET: u16 = 0x0400;
    pub const ENCRYPTED: u16 = 0x0800;
    pub const HIDDEN: u16 = 0x2000;
    pub const KEY: u16 = 0x4000;
    pub const NULLABLE_UNKNOWN: u16 = 0x8000;
}

/// COLMETADATA's Flags for a column, with the values SQL Server sends:
/// - An expression: fComputed, read-only, its own nullability. MS-TDS 4.7 (SQL Batch
///   Server Response) shows `select 'foo' as 'bar'` answered with Flags 0x0020.
/// - A table's ordinary column: usUpdateable 2 (0x0008), plus fNullable. tiberius 0.12,
///   used against SQL Server for years, names bit 3 "updateable" and rejects bit 2
///   ("invalid flags"), and its bulk insert writes exactly the columns of
///   `SELECT TOP 0 * FROM t` that have bit 3: every ordinary column, and no identity,
///   computed or rowversion column. A Wireshark trace of SQL Server in a public gist shows
///   Flags 8 for a NOT NULL column. tiberius 0.13 treats 2 and 1 alike.
/// - An identity, computed or rowversion column: read-only (SQL Server assigns them), with
///   fIdentity (0x0010) or fComputed (0x0020); SqlClient's schema table calls them
///   IsReadOnly.
/// - fCaseSen: "string columns with binary collation and always the XML data type"
///   (MS-TDS): the emulator sends every string in its case-insensitive default collation,
///   so only xml has it.
pub fn column_flags(col: &ColumnMeta) -> u16 {
    use column_flags::*;
    let mut flags = match col.updateable {
        Updateable::ReadOnly => 0,
        Updateable::ReadWrite => UPDATEABLE_READ_WRITE,
        Updateable::Unknown => UPDATEABLE_UNKNOWN,
    };
    if col.nullable {
        flags |= NULLABLE;
    }
    if col.ty == SqlType::Xml {
        flags |= CASE_SENSITIVE;
    }
    if col.identity {
        flags |= IDENTITY;
    }
    if col.computed {
        flags |= COMPUTED;
    }
    flags
}

/// The column COLMETADATA Flags `flags` describe (the inverse of [`column_flags`], for a
/// reader of COLMETADATA).
pub fn column_meta(name: impl Into<String>, ty: SqlType, flags: u16) -> ColumnMeta {
    use column_flags::*;
    let updateable = match flags & (UPDATEABLE_READ_WRITE | UPDATEABLE_UNKNOWN) {
        0 => Updateable::ReadOnly,
        UPDATEABLE_READ_WRITE => Updateable::ReadWrite,
        _ => Updateable::Unknown,
    };
    ColumnMeta {
        name: name.into(),
        ty,
        nullable: flags & NULLABLE != 0,
        identity: flags & IDENTITY != 0,
        computed: flags & COMPUTED != 0,
        updateable,
    }
}

/// The UserType SQL Server sends: 80 for timestamp, 0 otherwise.
fn user_type(ty: &SqlType) -> u32 {
    match ty {
        SqlType::RowVersion => 0x50,
        _ => 0,
    }
}

/// The fixed-length wire type SQL Server describes a NOT NULL column of `ty` with (an
/// `int NOT NULL` column is INT4, a nullable one INTN), if `ty` has one.
fn fixed_type_id(ty: &SqlType) -> Option<u8> {
    Some(match ty {
        SqlType::TinyInt => type_id::INT1,
        SqlType::SmallInt => type_id::INT2,
        SqlType::Int => type_id::INT4,
        SqlType::BigInt => type_id::INT8,
        SqlType::Bit => type_id::BIT,
        SqlType::Real => type_id::FLT4,
        SqlType::Float => type_id::FLT8,
        SqlType::SmallMoney => type_id::MONEY4,
        SqlType::Money => type_id::MONEY,
        SqlType::SmallDateTime => type_id::DATETIM4,
        SqlType::DateTime => type_id::DATETIME,
        _ => return None,
    })
}

/// The fixed-length wire type of a column, when it is sent in that form.
fn fixed_form(col: &ColumnMeta) -> Option<u8> {
    if col.nullable {
        None
    } else {
        fixed_type_id(&col.ty)
    }
}

/// COLMETADATA: a result set's columns. text, ntext and image carry a table name; one
/// empty part is sent, as for the columns of an expression.
pub fn col_metadata(out: &mut Vec<u8>, columns: &[ColumnMeta]) {
    out.push(TOKEN_COLMETADATA);
    out.extend_from_slice(&(columns.len() as u16).to_le_bytes());
    for col in columns {
        out.extend_from_slice(&user_type(&col.ty).to_le_bytes());
        out.extend_from_slice(&column_flags(col).to_le_bytes());
        match fixed_form(col) {
            // A fixed-length TYPE_INFO is its type byte alone.
            Some(id) => out.push(id),
            // For text, ntext and image this includes the (empty) table name.
            None => encode_type_info(&col.ty, out),
        }
        put_b_varchar(out, &col.name);
    }
}

/// Writes one column value of a row, in the column's form (see [`fixed_form`]).
fn write_column_value(out: &mut Vec<u8>, col: &ColumnMeta, value: &Value) -> Result<()> {
    if fixed_form(col).is_none() {
        return encode_value(&col.ty, value, out);
    }
    if value.is_null() {
        return Err(crate::ProtocolError(format!(
            "NULL in column {} declared NOT NULL",
            col.name
        )));
    }
    // The fixed form is the nullable form without its length byte.
    let at = out.len();
    encode_value(&col.ty, value, out)?;
    if out.get(at).map(|&len| len as usize) != Some(out.len() - at - 1) {
        out.truncate(at);
        return Err(crate::ProtocolError(format!(
            "unexpected encoding of a {} value",
            col.ty
        )));
    }
    out.remove(at);
    Ok(())
}

/// A row of a result set: NBCROW (null bitmap, then the non-null values) when it has a
/// NULL, else ROW. On an encoding error `out` is left as it was.
pub fn row(out: &mut Vec<u8>, columns: &[ColumnMeta], values: &[Value]) -> Result<()> {
    if values.len() != columns.len() {
        return Err(crate::ProtocolError(format!(
            "row has {} values for {} columns",
            values.len(),
            columns.len()
        )));
    }
    let start = out.len();
    let result = write_row(out, columns, values);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

fn write_row(out: &mut Vec<u8>, columns: &[ColumnMeta], values: &[Value]) -> Result<()> {
    if values.iter().any(Value::is_null) {
        out.push(TOKEN_NBCROW);
        let bitmap_at = out.len();
        out.resize(bitmap_at + values.len().div_ceil(8), 0);
        for (i, (col, value)) in columns.iter().zip(values).enumerate() {
            if value.is_null() && fixed_form(col).is_none() {
                out[bitmap_at + i / 8] |= 1 << (i % 8);
            } else {
                write_column_value(out, col, value)?;
            }
        }
    } else {
        out.push(TOKEN_ROW);
        for (col, value) in columns.iter().zip(values) {
            write_column_value(out, col, value)?;
        }
    }
    Ok(())
}

/// RETURNSTATUS: a procedure's return code.
pub fn return_status(out: &mut Vec<u8>, status: i32) {
    out.push(TOKEN_RETURNSTATUS);
    out.extend_from_slice(&status.to_le_bytes());
}

/// RETURNVALUE: an output parameter's final value. `ordinal` counts the RPC's parameters
/// from 0. On an encoding error `out` is left as it was.
pub fn return_value(
    out: &mut Vec<u8>,
    ordinal: u16,
    name: &str,
    ty: &SqlType,
    value: &Value,
) -> Result<()> {
    let start = out.len();
    out.push(TOKEN_RETURNVALUE);
    out.extend_from_slice(&ordinal.to_le_bytes());
    put_b_varchar(out, name);
    out.push(0x01); // an output parameter (not a UDF's return value)
    out.extend_from_slice(&user_type(ty).to_le_bytes());
    // Flags: nullable. Then TYPE_INFO alone: RETURNVALUE has no table name, even for text types.
    out.extend_from_slice(&0x0001u16.to_le_bytes());
    TypeInfo::of(ty).write(out);
    let result = encode_value(ty, value, out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Reader;

    #[test]
    fn done_layout() {
        let mut out = Vec::new();
        done(
            &mut out,
            DoneKind::DoneInProc,
            DONE_MORE | DONE_COUNT,
            CURCMD_SELECT,
            3,
        );
        assert_eq!(out, [0xFF, 0x11, 0x00, 0xC1, 0x00, 3, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn login_ack_layout() {
        let mut out = Vec::new();
        login_ack(&mut out, 0x7400_0004, "SQL", [16, 0, 0x03, 0xE8]);
        let mut r = Reader::new(&out, "t");
        assert_eq!(r.u8().unwrap(), TOKEN_LOGINACK);
        let len = r.u16().unwrap() as usize;
        assert_eq!(len, r.remaining());
        assert_eq!(r.u8().unwrap(), 1);
        assert_eq!(r.take(4).unwrap(), [0x74, 0, 0, 4]);
        assert_eq!(r.b_varchar().unwrap(), "SQL");
        assert_eq!(r.take(4).unwrap(), [16, 0, 3, 0xE8]);
    }

    #[test]
    fn error_layout() {
        let mut out = Vec::new();
        let err = SqlError::new(18456, 14, "Login failed for user 'x'.");
        message(&mut out, &err, true, "srv");
        let mut r = Reader::new(&out, "t");
        assert_eq!(r.u8().unwrap(), TOKEN_ERROR);
        assert_eq!(r.u16().unwrap() as usize, r.remaining());
        assert_eq!(r.i32().unwrap(), 18456);
        assert_eq!(r.u8().unwrap(), 1);
        assert_eq!(r.u8().unwrap(), 14);
        assert_eq!(r.us_varchar().unwrap(), "Login failed for user 'x'.");
        assert_eq!(r.b_varchar().unwrap(), "srv");
        assert_eq!(r.b_varchar().unwrap(), "");
        assert_eq!(r.i32().unwrap(), 1);
        assert!(r.is_empty());
    }

    #[test]
    fn env_change_layouts() {
        let mut out = Vec::new();
        env_change(
            &mut out,
            &EnvChangeToken::PacketSize {
                new: 8000,
                old: 4096,
            },
        );
        let mut r = Reader::new(&out, "t");
        assert_eq!(r.u8().unwrap(), TOKEN_ENVCHANGE);
        assert_eq!(r.u16().unwrap() as usize, r.remaining());
        assert_eq!(r.u8().unwrap(), 4);
        assert_eq!(r.b_varchar().unwrap(), "8000");
        assert_eq!(r.b_varchar().unwrap(), "4096");

        let mut out = Vec::new();
        env_change(
            &mut out,
            &EnvChangeToken::CommitTransaction { descriptor: 5 },
        );
        assert_eq!(out, [0xE3, 11, 0, 9, 0, 8, 5, 0, 0, 0, 0, 0, 0, 0]);
        let mut out = Vec::new();
        env_change(
            &mut out,
            &EnvChangeToken::BeginTransaction { descriptor: 5 },
        );
        assert_eq!(out, [0xE3, 11, 0, 8, 8, 5, 0, 0, 0, 0, 0, 0, 0, 0]);

        let mut out = Vec::new();
        env_change(
            &mut out,
            &EnvChangeToken::Routing {
                port: 1434,
                server: "db2",
            },
        );
        #[rustfmt::skip]
        let expected = [
            0xE3, 16, 0, 20,
            11, 0, 0, 0x9A, 0x05, 3, 0, b'd', 0, b'b', 0, b'2', 0,
            0, 0,
        ];
        assert_eq!(out, expected);
    }

    #[test]
    fn feature_ext_ack_layout() {
        let mut out = Vec::new();
        feature_ext_ack(&mut out, &[(0x0A, vec![1])]);
        assert_eq!(out, [0xAE, 0x0A, 1, 0, 0, 0, 1, 0xFF]);
        let mut out = Vec::new();
        feature_ext_ack(&mut out, &[]);
        assert_eq!(out, [0xAE, 0xFF]);
    }

    #[test]
    fn nbcrow_omits_nulls_and_row_keeps_all() {
        let cols = vec![
            ColumnMeta::new("a", SqlType::Int),
            ColumnMeta::new("b", SqlType::NVarChar(Some(10))),
        ];
        let mut one = Vec::new();
        encode_value(&SqlType::Int, &Value::Int(1), &mut one).unwrap();

        let mut out = Vec::new();
        row(&mut out, &cols, &[Value::Int(1), Value::Null]).unwrap();
        let mut expected = vec![TOKEN_NBCROW, 0b10];
        expected.extend_from_slice(&one);
        assert_eq!(out, expected);

        let mut out = Vec::new();
        row(&mut out, &cols, &[Value::Int(1), Value::String("x".into())]).unwrap();
        assert_eq!(out[0], TOKEN_ROW);
        assert_eq!(&out[1..1 + one.len()], &one[..]);
        assert!(out.len() > 1 + one.len());
    }

    #[test]
    fn col_metadata_layout() {
        let mut cols = vec![
            ColumnMeta::new("id", SqlType::Int),
            ColumnMeta::new("t", SqlType::NText),
        ];
        cols[0].nullable = false;
        cols[0].identity = true;
        cols[0].computed = false;
        let mut out = Vec::new();
        col_metadata(&mut out, &cols);
        let mut r = Reader::new(&out, "t");
        assert_eq!(r.u8().unwrap(), TOKEN_COLMETADATA);
        assert_eq!(r.u16().unwrap(), 2);
        assert_eq!(r.u32().unwrap(), 0);
        assert_eq!(r.u16().unwrap(), 0x0010);
        // NOT NULL int: the fixed-length INT4, a type byte alone.
        assert_eq!(r.u8().unwrap(), type_id::INT4);
        assert_eq!(r.b_varchar().unwrap(), "id");
        assert_eq!(r.u32().unwrap(), 0);
        // An expression: nullable and computed.
        assert_eq!(r.u16().unwrap(), 0x0021);
        let mut ntext = Vec::new();
        encode_type_info(&SqlType::NText, &mut ntext);
        assert_eq!(r.take(ntext.len()).unwrap(), &ntext[..]);
        assert_eq!(
            &ntext[ntext.len() - 3..],
            &[1, 0, 0],
            "one empty table-name part"
        );
        assert_eq!(r.b_varchar().unwrap(), "t");
        assert!(r.is_empty());
    }

    #[test]
    fn not_null_fixed_types_travel_without_length_bytes() {
        let mut cols = vec![
            ColumnMeta::new("a", SqlType::Int),
            ColumnMeta::new("b", SqlType::Float),
            ColumnMeta::new("c", SqlType::Int),
            ColumnMeta::new("d", SqlType::NVarChar(Some(5))),
        ];
        cols[0].nullable = false;
        cols[1].nullable = false;
        cols[3].nullable = false;
        let mut out = Vec::new();
        col_metadata(&mut out, &cols);
        assert!(out.windows(1).any(|w| w[0] == type_id::FLT8));

        let mut out = Vec::new();
        row(
            &mut out,
            &cols,
            &[
                Value::Int(7),
                Value::Float(1.5),
                Value::Null,
                Value::String("x".into()),
            ],
        )
        .unwrap();
        let mut expected = vec![TOKEN_NBCROW, 0b0100, 7, 0, 0, 0];
        expected.extend_from_slice(&1.5f64.to_le_bytes());
        let mut d = Vec::new();
        encode_value(
            &SqlType::NVarChar(Some(5)),
            &Value::String("x".into()),
            &mut d,
        )
        .unwrap();
        expected.extend_from_slice(&d);
        assert_eq!(out, expected);

        // A NULL where the column says NOT NULL cannot be sent in the fixed form.
        let mut out = Vec::new();
        assert!(row(&mut out, &cols[..1], &[Value::Null]).is_err());
        assert!(out.is_empty());
    }

    #[test]
    fn column_flags_as_sql_server_sends_them() {
        // MS-TDS 4.7: `select 'foo' as 'bar'`, a NOT NULL expression.
        let mut foo = ColumnMeta::new("bar", SqlType::VarChar(Some(3)));
        foo.nullable = false;
        assert_eq!(column_flags(&foo), 0x0020);
        let plain = ColumnMeta::table_column("a", SqlType::Int, false);
        assert_eq!(column_flags(&plain), 0x0008);
        let nullable = ColumnMeta::table_column("b", SqlType::NVarChar(Some(5)), true);
        assert_eq!(column_flags(&nullable), 0x0009);
        let mut id = ColumnMeta::table_column("id", SqlType::Int, false);
        id.identity = true;
        id.updateable = Updateable::ReadOnly;
        assert_eq!(column_flags(&id), 0x0010);
        let xml = ColumnMeta::table_column("x", SqlType::Xml, true);
        assert_eq!(column_flags(&xml), 0x000B);
        // tiberius 0.12 rejects a COLMETADATA with any bit it does not name: 2, 6, 8, 9.
        let tiberius_012_known: u16 = 0x0001 | 0x0002 | 0x0008 | 0x0010 | 0x0020 | 0x0080;
        for col in [&foo, &plain, &nullable, &id, &xml] {
            assert_eq!(column_flags(col) & !tiberius_012_known, 0, "{col:?}");
            assert_eq!(
                &column_meta(col.name.clone(), col.ty, column_flags(col)),
                col
            );
        }
    }

    #[test]
    fn row_count_mismatch_is_an_error() {
        let mut out = vec![1, 2];
        let cols = vec![ColumnMeta::new("a", SqlType::Int)];
        assert!(row(&mut out, &cols, &[]).is_err());
        assert_eq!(out, [1, 2]);
    }
}
