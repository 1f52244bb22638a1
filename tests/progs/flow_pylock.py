"""flow_pylock.py - two threads take one threading.Lock N times in all (N/2 each); every 50th
time the holder sleeps inside it, so the other blocks. CPython's Lock is a POSIX semaphore:
test_flow.py expects a semaphore row with exactly N acquisitions and some contention."""
import sys
import threading
import time

N = int(sys.argv[1])
lock = threading.Lock()
taken = 0


def work():
    global taken
    for i in range(N // 2):
        with lock:
            taken += 1
            if i % 50 == 0:
                time.sleep(0.0005)


t = threading.Thread(target=work)
t.start()
work()
t.join()
print("taken", taken)
