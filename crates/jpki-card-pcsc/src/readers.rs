//! Listing the PC/SC readers.

use std::ffi::CString;

use jpki_card::TransportError;
use pcsc::{Context, Scope};

use crate::error::map_pcsc_error;

/// The names of the readers PC/SC knows now, in its order. No reader is an
/// empty list, not an error; a stopped PC/SC service is
/// [`TransportError::ReaderUnavailable`].
///
/// Let the operator pick the reader: never silently take the first one
/// (docs/domain/jpki.md §6).
///
/// Blocks for one round trip to the PC/SC service (a local socket, well under
/// a millisecond): call it from a blocking context (`spawn_blocking` under an
/// async runtime), or follow [`crate::Monitor`]'s events instead.
pub fn list_readers() -> Result<Vec<String>, TransportError> {
    let ctx = Context::establish(Scope::User).map_err(map_pcsc_error)?;
    let names = reader_names_c(&ctx).map_err(map_pcsc_error)?;
    Ok(names
        .iter()
        .map(|n| n.to_string_lossy().into_owned())
        .collect())
}

/// The reader names on `ctx`, with `SCARD_E_NO_READERS_AVAILABLE` as empty.
pub(crate) fn reader_names_c(ctx: &Context) -> Result<Vec<CString>, pcsc::Error> {
    match ctx.list_readers_owned() {
        Ok(names) => Ok(names),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}
