//! The server's decoding and validation of an upload body (`PUT …/batches/{seq}`): the JSON
//! decoding the handler's extractor does, then the handler's own `prepare_batch`: it must never panic, never fail for a server-side reason, and a
//! batch it accepts must be accepted again unchanged, with the same hash, once normalised (an
//! upload replayed by the extension must be recognised as the same).
#![no_main]

use allyshare_protocol::limits::BATCH_MAX_ITEMS;
use allyshare_protocol::ContactBatch;
use allyshare_server::api::sync::{decode_batch, prepare_batch, BatchError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match decode_batch(data) {
        Ok(prepared) => {
            let again = ContactBatch {
                contacts: prepared.contacts.iter().map(|c| c.record.clone()).collect(),
            };
            let replay = prepare_batch(&again, BATCH_MAX_ITEMS).expect("a normalised batch is refused");
            assert_eq!(
                replay.body_hash, prepared.body_hash,
                "replay hashes differently"
            );
            for (a, b) in prepared.contacts.iter().zip(&replay.contacts) {
                assert_eq!(a.key, b.key);
                assert_eq!(a.content_hash, b.content_hash);
            }
        }
        Err(BatchError::Canonical(e)) => panic!("server-side failure: {e}"),
        Err(_) => {}
    }
});
