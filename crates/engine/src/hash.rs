//! Hash maps for the engine's own keys (file ids, directive names, paths).
//!
//! foldhash instead of std's SipHash: names and paths are hashed by the hundred thousand per run
//! and SipHash was a tenth of a check. The seed is random per process, so a crafted configuration
//! cannot line its keys up to slow a run down.

/// A hash map with foldhash.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// A hash set with foldhash.
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

pub use ngxlint_vfs::PathMap;
