"""What one nightly run leaves to the next: a run counter, from which each
run's seeds are drawn (so every night explores new ones), and the fuzz
corpus of each core, which libFuzzer resumes from."""

import json
import os

import util

SEEDS_PER_RUN = 10 ** 7
SEEDS_PER_CELL = 10 ** 5


class State:
    def __init__(self, directory):
        self.dir = directory
        self.path = os.path.join(directory, 'nightly-state.json')
        self.run = None

    def begin_run(self):
        """Take the next run number and record it at once, so that a run
        that dies half-way still leaves its seeds used."""
        previous = 0
        if os.path.exists(self.path):
            with open(self.path) as f:
                previous = int(json.load(f).get('runs', 0))
        self.run = previous + 1
        util.write_atomic(self.path, json.dumps({'runs': self.run}) + '\n')
        return self.run

    def seed(self, cell, i):
        """The seed of process i of a cell: distinct for every run, cell and
        process (a cell starts fewer than SEEDS_PER_CELL processes)."""
        return (self.run * SEEDS_PER_RUN + cell.index * SEEDS_PER_CELL +
                i % SEEDS_PER_CELL + 1)

    def corpus(self, core_label):
        """The fuzz corpus of a core, created if new: libFuzzer adds the
        inputs it keeps to it."""
        d = os.path.join(self.dir, 'corpus', core_label, 'htfuzz_sched')
        os.makedirs(d, exist_ok=True)
        return d
