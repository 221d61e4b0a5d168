"""What every run shares: the thread count (threads=), a temporary SIGINT
handler that asks the C loop to stop at the next sweep (Ctrl-C), the user's
progress= callback, and the time limit of a whole schedule."""
import signal
import threading
import time

from ._lib import lib


class Session:
    """Context of one library call. stop() is what the C callbacks return:
    nonzero after Ctrl-C, after the progress callback returned True or
    raised, or past max_seconds (timed_out)."""

    def __init__(self, threads=None, progress=None, max_seconds=0.0):
        if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool) or
                                    not 1 <= threads <= 1024):
            raise ValueError("threads must be an integer in [1, 1024] (got %r)" % (threads,))
        self._bar = None
        if progress == "tqdm":
            progress = self._tqdm_progress()
        elif progress is not None and not callable(progress):
            raise ValueError("progress must be a callable or \"tqdm\" (got %r)" % (progress,))
        self.threads, self.progress, self.max_seconds = threads, progress, max_seconds
        self.interrupted = self.timed_out = False
        self.error = None
        self.t0 = time.perf_counter()

    def __enter__(self):
        self._old_threads = lib.omp_get_max_threads()
        if self.threads:
            lib.omp_set_num_threads(self.threads)
        self._old_handler = None
        if threading.current_thread() is threading.main_thread():
            self._old_handler = signal.signal(signal.SIGINT, self._on_sigint)
        self.t0 = time.perf_counter()
        return self

    def _tqdm_progress(self):
        """A progress function drawing a tqdm bar (one tick per sweep or
        epoch, the last change/errors as its postfix)."""
        try:
            from tqdm import tqdm
        except ImportError:
            raise ValueError('progress="tqdm" needs tqdm (apt-get install python3-tqdm)') from None
        self._bar = tqdm(unit="sweep")

        def show(info):
            self._bar.set_description(info.get("command", ""), refresh=False)
            self._bar.set_postfix({k: info[k] for k in ("step", "point", "change", "errors", "loss") if k in info},
                                  refresh=False)
            self._bar.update(1)
        return show

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.close()
        lib.omp_set_num_threads(self._old_threads)
        if self._old_handler is not None:
            signal.signal(signal.SIGINT, self._old_handler)
        return False

    def _on_sigint(self, signum, frame):
        self.interrupted = True

    def elapsed(self):
        return time.perf_counter() - self.t0

    def stop(self, **info):
        """Called from the C callbacks: report progress, return 1 to stop."""
        if self.progress is not None and self.error is None and not self.interrupted:
            try:
                if self.progress(info):
                    self.error = StopIteration()
            except BaseException as e:  # re-raised after the call returns
                self.error = e
        if self.max_seconds and self.elapsed() >= self.max_seconds:
            self.timed_out = True
        return int(self.interrupted or self.timed_out or self.error is not None)

    def reraise(self):
        """The progress callback's exception, if it raised one."""
        if self.error is not None and not isinstance(self.error, StopIteration):
            raise self.error

    @property
    def threads_used(self):
        return lib.omp_get_max_threads()
