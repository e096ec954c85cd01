//! ROW and NBCROW (MS-TDS 2.2.7.19, 2.2.7.13), the hot path of every read.
//!
//! [`scan_row`] walks one row's cells with the same framing as every other value
//! ([`frame`]) and notes where each cell's bytes are in a reused [`RowCells`]: no value
//! is decoded, nothing allocated once the buffers have grown to the widest row. A PLP value
//! in one chunk stays where it is; one of several chunks is assembled in the row's one PLP
//! buffer. A [`RowRef`] then hands out each cell as a [`ValueRef`] borrowing those bytes.
//!
//! A row that the input does not yet hold whole is [`DecodeError::Incomplete`], found before
//! anything of it is handed out, so a reader can wait for the next packet and scan again.

use super::columns::Column;
use super::Decoded;
use crate::values::frame::{frame, Framed, Place};
use crate::values::ValueRef;
use crate::{DecodeError, Result};

/// Where one cell's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Null,
    /// `start..start + len` of the row's input.
    Input {
        start: usize,
        len: usize,
    },
    /// `start..start + len` of the PLP buffer.
    Plp {
        start: usize,
        len: usize,
    },
}

/// The cells of the row scanned last, kept between rows so their memory is reused.
#[derive(Debug, Default, Clone)]
pub struct RowCells {
    cells: Vec<Cell>,
    plp: Vec<u8>,
}

impl RowCells {
    pub fn new() -> RowCells {
        RowCells::default()
    }
}

/// Scans one ROW (`nbc` false) or NBCROW token's data, after its token byte, at the start
/// of `input`, into `cells`; returns the bytes it takes.
pub fn scan_row(
    input: &[u8],
    columns: &[Column],
    nbc: bool,
    cells: &mut RowCells,
) -> Decoded<usize> {
    cells.cells.clear();
    cells.plp.clear();
    let mut rest = input;
    let bitmap = if nbc {
        let len = columns.len().div_ceil(8);
        if rest.len() < len {
            return Err(DecodeError::Incomplete);
        }
        let (bitmap, tail) = rest.split_at(len);
        rest = tail;
        bitmap
    } else {
        &[]
    };
    for (i, column) in columns.iter().enumerate() {
        if nbc && bitmap[i / 8] & (1 << (i % 8)) != 0 {
            cells.cells.push(Cell::Null);
            continue;
        }
        let cell = match frame(&column.info, Place::Row, &mut rest)? {
            Framed::Null => Cell::Null,
            Framed::Bytes(bytes) => Cell::Input {
                start: offset(input, bytes),
                len: bytes.len(),
            },
            Framed::Plp(chunks) => match chunks.contiguous() {
                Some(bytes) => Cell::Input {
                    start: offset(input, bytes),
                    len: bytes.len(),
                },
                None => {
                    let start = cells.plp.len();
                    chunks.append_to(&mut cells.plp);
                    Cell::Plp {
                        start,
                        len: chunks.len(),
                    }
                }
            },
        };
        cells.cells.push(cell);
    }
    Ok(input.len() - rest.len())
}

/// Where `part`, a subslice of `whole`, starts in it.
fn offset(whole: &[u8], part: &[u8]) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// One scanned row: the input it was scanned from, its columns and its cells.
#[derive(Debug, Clone, Copy)]
pub struct RowRef<'a> {
    input: &'a [u8],
    columns: &'a [Column],
    cells: &'a RowCells,
}

impl<'a> RowRef<'a> {
    /// The row [`scan_row`] just scanned from `input` into `cells`.
    pub fn new(input: &'a [u8], columns: &'a [Column], cells: &'a RowCells) -> RowRef<'a> {
        RowRef {
            input,
            columns,
            cells,
        }
    }

    pub fn len(&self) -> usize {
        self.cells.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.cells.is_empty()
    }

    pub fn columns(&self) -> &'a [Column] {
        self.columns
    }

    /// The raw bytes of cell `i` (`None` for NULL or a column that does not exist).
    pub fn bytes(&self, i: usize) -> Option<&'a [u8]> {
        match *self.cells.cells.get(i)? {
            Cell::Null => None,
            Cell::Input { start, len } => self.input.get(start..start + len),
            Cell::Plp { start, len } => self.cells.plp.get(start..start + len),
        }
    }

    /// Cell `i`, decoded as its column's type. An index past the row is an error.
    pub fn get(&self, i: usize) -> Result<ValueRef<'a>> {
        let column = self.columns.get(i).ok_or_else(|| {
            crate::ProtocolError(format!("no column {i} in a row of {}", self.len()))
        })?;
        match self.bytes(i) {
            None => Ok(ValueRef::Null),
            Some(bytes) => ValueRef::decode(&column.info, bytes),
        }
    }

    /// Every cell in column order.
    pub fn values(&self) -> impl Iterator<Item = Result<ValueRef<'a>>> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::decode_col_metadata;
    use crate::tokens::{col_metadata, row, TOKEN_NBCROW, TOKEN_ROW};
    use crate::types::{ColumnMeta, Date, Decimal, SqlType, Time, Value};

    fn columns(metas: &[ColumnMeta]) -> Vec<Column> {
        let mut bytes = Vec::new();
        col_metadata(&mut bytes, metas);
        decode_col_metadata(&bytes[1..]).unwrap().0
    }

    fn metas() -> Vec<ColumnMeta> {
        let mut id = ColumnMeta::new("id", SqlType::Int);
        id.nullable = false;
        vec![
            id,
            ColumnMeta::new("name", SqlType::NVarChar(Some(50))),
            ColumnMeta::new("big", SqlType::NVarChar(None)),
            ColumnMeta::new(
                "amount",
                SqlType::Decimal {
                    precision: 18,
                    scale: 4,
                },
            ),
            ColumnMeta::new("ts", SqlType::DateTime2 { scale: 7 }),
            ColumnMeta::new("t", SqlType::Text),
            ColumnMeta::new("g", SqlType::UniqueIdentifier),
        ]
    }

    fn sample_values() -> Vec<Value> {
        vec![
            Value::Int(-7),
            Value::String("héllo".into()),
            // Over one PLP chunk of the encoder: several chunks, assembled.
            Value::String("x".repeat(40_000)),
            Value::Decimal(Decimal {
                mantissa: -123_456,
                scale: 4,
            }),
            Value::DateTime2(Date(738_000), Time(123_456_789)),
            Value::String("Café".into()),
            Value::Guid([
                0x6F, 0x96, 0x19, 0xFF, 0x8B, 0x86, 0xD0, 0x11, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9,
                0x64, 0xFF,
            ]),
        ]
    }

    fn owned(row: &RowRef<'_>) -> Vec<Value> {
        row.values()
            .zip(row.columns())
            .map(|(v, c)| v.unwrap().to_value(&c.info).unwrap())
            .collect()
    }

    #[test]
    fn rows_and_nbcrows_read_back_what_was_written() {
        let metas = metas();
        let columns = columns(&metas);
        let full = sample_values();
        let mut with_nulls = full.clone();
        with_nulls[1] = Value::Null;
        with_nulls[2] = Value::Null;
        with_nulls[5] = Value::Null;
        let mut cells = RowCells::new();
        for values in [full, with_nulls] {
            let mut bytes = Vec::new();
            row(&mut bytes, &metas, &values).unwrap();
            let nbc = bytes[0] == TOKEN_NBCROW;
            assert!(nbc || bytes[0] == TOKEN_ROW);
            let used = scan_row(&bytes[1..], &columns, nbc, &mut cells).unwrap();
            assert_eq!(used, bytes.len() - 1);
            let view = RowRef::new(&bytes[1..], &columns, &cells);
            assert_eq!(owned(&view), values);
        }
    }

    #[test]
    fn borrowed_values_keep_the_wire_form() {
        let metas = metas();
        let columns = columns(&metas);
        let mut bytes = Vec::new();
        row(&mut bytes, &metas, &sample_values()).unwrap();
        let mut cells = RowCells::new();
        scan_row(&bytes[1..], &columns, false, &mut cells).unwrap();
        let view = RowRef::new(&bytes[1..], &columns, &cells);
        assert_eq!(view.get(0).unwrap(), ValueRef::Int(-7));
        let name: Vec<u8> = "héllo".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(view.get(1).unwrap(), ValueRef::Utf16(&name));
        assert_eq!(
            view.get(3).unwrap(),
            ValueRef::Decimal {
                negative: true,
                magnitude: 123_456,
                scale: 4
            }
        );
        assert_eq!(
            view.get(4).unwrap(),
            ValueRef::DateTime2 {
                days: 738_000,
                units: 123_456_789,
                scale: 7
            }
        );
        assert_eq!(view.get(5).unwrap(), ValueRef::Ansi(b"Caf\xE9"));
        assert!(view.get(7).is_err());
    }

    #[test]
    fn every_truncation_is_incomplete() {
        let metas = metas();
        let columns = columns(&metas);
        let mut bytes = Vec::new();
        row(&mut bytes, &metas, &sample_values()).unwrap();
        let mut cells = RowCells::new();
        for cut in 1..bytes.len() {
            assert_eq!(
                scan_row(&bytes[1..cut], &columns, false, &mut cells),
                Err(DecodeError::Incomplete),
                "cut at {cut}"
            );
        }
    }
}
