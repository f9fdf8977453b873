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
