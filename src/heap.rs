//! Two settings of glibc's allocator that keep the peak memory of a run
//! independent of its replication count (BENCHMARKS.md, "Memory pass"), and
//! the run's own peak as the kernel counts it, which `meshsim run` prints
//! beside the guard's estimate. They do nothing on other platforms.
//!
//! A run allocates in two phases: the simulation streams row groups of
//! `replications.parquet` (columns of hundreds of KB each, made and freed
//! group after group) while polars' writer keeps small records of each
//! until the footer; then the tables and charts are built. Without these settings
//! the first phase leaves the heap fragmented in proportion to its length,
//! and the second phase's peak sits on top of it.

/// Keeps glibc's mmap threshold at its initial 128 KiB. By default the
/// threshold rises to the size of the largest block freed, so after the
/// first row group such blocks come from the heap and fragment it; held,
/// big blocks go straight back to the system when freed. Call first thing
/// in `main`.
pub fn hold_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called first
    // thing in main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Returns the free pages of the heap to the system. Called when
/// `replications.parquet` is finished: the writer's records of every row
/// group are freed with the footer, and glibc keeps the pages they were
/// scattered over. Returned, the tables and charts start from the same
/// footprint after a million replications as after a thousand.
pub fn release_free_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator holds free;
    // it is safe to call at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// This process's peak resident set in bytes (`VmHWM`): the kernel's
/// high-water mark of its own memory since it started, so unlike a parent's
/// `wait4` figure it does not include the memory of whoever spawned it.
/// `None` where `/proc` does not have it.
pub fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
