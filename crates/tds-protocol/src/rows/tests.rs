use super::*;
use crate::colmetadata::read_colmetadata;
use crate::tokens::{col_metadata, done, row, DoneKind};
use crate::types::{ColumnMeta, Date, Decimal, Time};

fn described(cols: &[ColumnMeta]) -> Vec<ColumnDesc> {
    let mut bytes = Vec::new();
    col_metadata(&mut bytes, cols);
    read_colmetadata(&mut &bytes[..]).unwrap()
}

fn sample() -> (Vec<ColumnMeta>, Vec<Value>) {
    let mut cols = vec![
        ColumnMeta::new("id", SqlType::Int),
        ColumnMeta::new("name", SqlType::NVarChar(Some(10))),
        ColumnMeta::new(
            "amount",
            SqlType::Decimal {
                precision: 38,
                scale: 9,
            },
        ),
        ColumnMeta::new("t", SqlType::Time { scale: 3 }),
        ColumnMeta::new("doc", SqlType::NVarChar(None)),
        ColumnMeta::new("gone", SqlType::Float),
        ColumnMeta::new("d", SqlType::Date),
    ];
    cols[0].nullable = false;
    let values = vec![
        Value::Int(7),
        Value::String("héllo".into()),
        Value::Decimal(Decimal {
            mantissa: -12_345_000_000_001,
            scale: 9,
        }),
        Value::Time(Time(1_234_560_000)),
        Value::String("x".repeat(20_000)),
        Value::Null,
        Value::Date(Date(738_000)),
    ];
    (cols, values)
}

#[test]
fn reads_rows_and_nbcrows_the_writer_wrote() {
    let (cols, values) = sample();
    let desc = described(&cols);
    let mut bytes = Vec::new();
    row(&mut bytes, &cols, &values).unwrap();
    assert_eq!(bytes[0], TOKEN_NBCROW, "a NULL makes it an NBCROW");
    let no_nulls: Vec<Value> = values
        .iter()
        .map(|v| match v {
            Value::Null => Value::Float(1.5),
            v => v.clone(),
        })
        .collect();
    row(&mut bytes, &cols, &no_nulls).unwrap();
    done(&mut bytes, DoneKind::Done, 0, 0, 0);

    let mut input = &bytes[..];
    let mut out = Vec::new();
    for expected in [&values, &no_nulls] {
        let len = token_len(&desc, input).unwrap().unwrap();
        let before = input.len();
        read_row(&desc, &mut input, &mut out).unwrap();
        assert_eq!(before - input.len(), len, "token_len agrees with read_row");
        assert_eq!(&out, expected);
    }
    assert_eq!(token_len(&desc, input).unwrap(), Some(DONE_LEN));
    assert_eq!(input.len(), DONE_LEN);
}

#[test]
fn a_token_cut_anywhere_is_not_yet_whole() {
    let (cols, values) = sample();
    let desc = described(&cols);
    let mut bytes = Vec::new();
    row(&mut bytes, &cols, &values).unwrap();
    for cut in 0..bytes.len() {
        assert_eq!(
            token_len(&desc, &bytes[..cut]).unwrap(),
            None,
            "cut at {cut}"
        );
    }
    assert_eq!(token_len(&desc, &bytes).unwrap(), Some(bytes.len()));
    assert!(token_len(&desc, &[0x42]).is_err(), "not a row token");
}

#[test]
fn lengths_the_type_does_not_allow_name_the_column() {
    let cols = vec![
        ColumnMeta::new("a", SqlType::Int),
        ColumnMeta::new("t", SqlType::Time { scale: 3 }),
        ColumnMeta::new("s", SqlType::NVarChar(Some(2))),
    ];
    let desc = described(&cols);
    let cases: [(&[u8], usize); 3] = [
        // an int of 2 bytes
        (&[0xD1, 2, 1, 0, 0, 0, 0, 0], 0),
        // time(3) sent with 5 bytes, as at scale 7
        (&[0xD1, 4, 1, 0, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0], 1),
        // nvarchar(2) holding 3 characters
        (&[0xD1, 4, 1, 0, 0, 0, 0, 6, 0, 97, 0, 98, 0, 99, 0], 2),
    ];
    for (bytes, column) in cases {
        let mut input = bytes;
        let e = read_row(&desc, &mut input, &mut Vec::new()).unwrap_err();
        assert_eq!(
            (e.column, e.kind),
            (column, RowErrorKind::BadLength),
            "{e:?}"
        );
    }
    // A time past midnight is the right length but no value.
    let mut input = &[0xD1, 4, 1, 0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0][..];
    let e = read_row(&desc, &mut input, &mut Vec::new()).unwrap_err();
    assert_eq!((e.column, e.kind), (1, RowErrorKind::BadValue));
}

#[test]
fn text_values_carry_a_text_pointer() {
    let cols = vec![
        ColumnMeta::new("t", SqlType::Text),
        ColumnMeta::new("n", SqlType::NText),
        ColumnMeta::new("i", SqlType::Image),
    ];
    let desc = described(&cols);
    let mut bytes = vec![0xD1];
    // text 'ab' with a 16-byte pointer and a timestamp
    bytes.push(16);
    bytes.extend_from_slice(&[0; 24]);
    bytes.extend_from_slice(&2u32.to_le_bytes());
    bytes.extend_from_slice(b"ab");
    // ntext NULL: an empty pointer
    bytes.push(0);
    // image of 3 bytes
    bytes.push(16);
    bytes.extend_from_slice(&[0; 24]);
    bytes.extend_from_slice(&3u32.to_le_bytes());
    bytes.extend_from_slice(&[1, 2, 3]);
    assert_eq!(token_len(&desc, &bytes).unwrap(), Some(bytes.len()));
    let mut out = Vec::new();
    read_row(&desc, &mut &bytes[..], &mut out).unwrap();
    assert_eq!(
        out,
        [
            Value::String("ab".into()),
            Value::Null,
            Value::Bytes(vec![1, 2, 3])
        ]
    );
}

#[test]
fn plp_values_in_several_chunks_and_empty() {
    let cols = vec![ColumnMeta::new("b", SqlType::VarBinary(None))];
    let desc = described(&cols);
    let mut bytes = vec![0xD1];
    bytes.extend_from_slice(&u64::MAX.wrapping_sub(1).to_le_bytes());
    for chunk in [&[1u8, 2][..], &[3][..]] {
        bytes.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        bytes.extend_from_slice(chunk);
    }
    bytes.extend_from_slice(&0u32.to_le_bytes());
    // An empty value: unknown length, then the terminator alone.
    bytes.push(0xD1);
    bytes.extend_from_slice(&u64::MAX.wrapping_sub(1).to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    let mut input = &bytes[..];
    let mut out = Vec::new();
    assert_eq!(token_len(&desc, input).unwrap(), Some(1 + 8 + 6 + 5 + 4));
    read_row(&desc, &mut input, &mut out).unwrap();
    assert_eq!(out, [Value::Bytes(vec![1, 2, 3])]);
    read_row(&desc, &mut input, &mut out).unwrap();
    assert_eq!(out, [Value::Bytes(vec![])]);
    assert!(input.is_empty());
}
