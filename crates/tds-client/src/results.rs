//! A response being read: item by item ([`Results::next_event`]), through a visitor that sees
//! every row as borrowed values ([`Results::visit`], the hot path), or collected as owned
//! values ([`Results::rows`], for catalog queries).

use tds_protocol::response::{Column, ReturnValue, RowRef, ServerMessage};
use tds_protocol::types::Value;

use crate::client::{Client, Event};
use crate::error::{Error, Result};
use crate::transport::Stream;

/// What a visitor is shown of a response.
pub trait RowVisitor {
    /// The visitor's own error; the client's errors convert into it.
    type Error: From<Error>;

    /// A result set starts.
    fn columns(&mut self, _columns: &[Column]) -> Result<(), Self::Error> {
        Ok(())
    }

    /// One row; its values borrow the client's buffer and are gone after the call.
    fn row(&mut self, row: &RowRef<'_>) -> Result<(), Self::Error>;

    /// An INFO message.
    fn message(&mut self, _message: &ServerMessage) {}
}

/// What a whole response held besides its rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Rows handed to the visitor (or collected).
    pub rows: u64,
    /// The row count of each DONE that had one (rows selected or affected).
    pub counts: Vec<u64>,
    pub return_status: Option<i32>,
    pub return_values: Vec<ReturnValue>,
    pub messages: Vec<ServerMessage>,
}

/// The response to one request. Dropping it before its end leaves the rest to be
/// cancelled before the next request.
pub struct Results<'c, S: Stream> {
    client: &'c mut Client<S>,
}

impl<'c, S: Stream> Results<'c, S> {
    pub(crate) fn new(client: &'c mut Client<S>) -> Results<'c, S> {
        Results { client }
    }

    /// The next item; `None` at the end. A statement's error is returned at the end of the
    /// response, once it is read whole, so the client is ready for the next request.
    pub async fn next_event(&mut self) -> Result<Option<Event<'_>>> {
        self.client.next_event().await
    }

    /// Reads the whole response, handing every row to `visitor`. A visitor's error stops
    /// the reading (the rest is cancelled before the client's next request).
    pub async fn visit<V: RowVisitor>(self, visitor: &mut V) -> Result<Summary, V::Error> {
        let mut summary = Summary::default();
        while let Some(event) = self.client.next_event().await? {
            match event {
                Event::Row(row) => {
                    visitor.row(&row)?;
                    summary.rows += 1;
                }
                Event::Columns(columns) => visitor.columns(columns)?,
                Event::Message(message) => {
                    visitor.message(&message);
                    summary.messages.push(message);
                }
                other => summary.note(other),
            }
        }
        Ok(summary)
    }

    /// Every row of every result set, as owned values.
    pub async fn rows(self) -> Result<Vec<Vec<Value>>> {
        let mut collect = Collect(Vec::new());
        self.visit(&mut collect).await?;
        Ok(collect.0)
    }

    /// Reads the response to its end, keeping no rows.
    pub async fn finish(self) -> Result<Summary> {
        self.visit(&mut Discard).await
    }

    /// Cancels the request (an attention) and skips what the server still sends up to its
    /// acknowledgement.
    pub async fn cancel(self) -> Result<()> {
        self.client.cancel().await
    }

    /// Whether the response has more to read.
    pub fn is_pending(&self) -> bool {
        self.client.in_response()
    }
}

impl Summary {
    fn note(&mut self, event: Event<'_>) {
        match event {
            Event::Done(done) => self.counts.extend(done.count()),
            Event::ReturnStatus(status) => self.return_status = Some(status),
            Event::ReturnValue(value) => self.return_values.push(value),
            Event::Row(_) | Event::Columns(_) | Event::Message(_) => {}
        }
    }
}

struct Collect(Vec<Vec<Value>>);

impl RowVisitor for Collect {
    type Error = Error;

    fn row(&mut self, row: &RowRef<'_>) -> Result<()> {
        let values = row
            .values()
            .zip(row.columns())
            .map(|(value, column)| value.and_then(|v| v.to_value(&column.info)))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        self.0.push(values);
        Ok(())
    }
}

struct Discard;

impl RowVisitor for Discard {
    type Error = Error;

    fn row(&mut self, _row: &RowRef<'_>) -> Result<()> {
        Ok(())
    }
}
