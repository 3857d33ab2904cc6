//! Fuzz target: the /proc/pidns request parser (rust/query.rs) on arbitrary bytes.
//!
//! Run: `cd tests/host/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run parse corpus/parse`.
//! Besides not panicking, every accepted request must hold only valid queries.

#![no_main]

#[path = "../../../../rust/query.rs"]
#[allow(dead_code)]
mod query;

use libfuzzer_sys::fuzz_target;
use query::Query;

fuzz_target!(|data: &[u8]| {
    let Ok(queries) = query::parse(data) else {
        return;
    };
    let mut count = 0;
    for q in queries {
        match q.expect("a request that parsed holds only valid queries") {
            Query::Pid(nr) => assert!(nr > 0),
            Query::PidIn { nr, ns_of } => assert!(nr > 0 && ns_of > 0),
            Query::All => {}
        }
        count += 1;
    }
    assert!(count > 0, "an accepted request has at least one query");
    // Whitespace-separated words: never more queries than bytes.
    assert!(count <= data.len());
});
