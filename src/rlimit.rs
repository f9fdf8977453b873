//! Raises the open-file limit to its hard maximum: every connection is a descriptor,
//! and the usual soft limit of 1024 is far below what a MUSH server or load tool needs.

/// Returns the (old, new) soft limit, or `None` when it could not be read or changed.
// rlim_t is u64 on Linux but not everywhere, hence the casts.
#[allow(clippy::unnecessary_cast)]
pub fn raise_fd_limit() -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return None;
            }
            let old = lim.rlim_cur;
            if lim.rlim_cur < lim.rlim_max {
                lim.rlim_cur = lim.rlim_max;
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                    return Some((old as u64, old as u64));
                }
            }
            Some((old as u64, lim.rlim_cur as u64))
        }
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Allocations of this size or more get their own mapping, returned to the system when
/// freed.
const MMAP_THRESHOLD: i32 = 1 << 20;

/// Fixes glibc's threshold for serving big allocations with their own mapping. Left to
/// itself glibc raises the threshold to the largest block freed so far, so after one
/// 19 MiB argon2 buffer every later one stays in the heap of whichever thread used it
/// and memory only grows under a login flood; fixed, big buffers go back when freed.
pub fn return_big_allocations() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes the allocator's tuning; called before any thread.
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        let _ = MMAP_THRESHOLD;
        false
    }
}
