"""ocbench_dijets: LHC dijet resonance search as a one-class task (Pythia 8 + FastJet
generator, LHCO R&D loader). The dataset card is this package's README.md."""
