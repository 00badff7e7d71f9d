// dnsim sweep under mpirun (Open MPI or another MPI, built with DNSIM_MPI): rank 0 coordinates
// (the study directory, its database and progress, as the local runner does) and hands points
// out one at a time to the other ranks as they become free, since one point can cost 100x
// another (an accuracy point against a timing-only one). A worker runs each point as its own
// dnsim process in a temporary directory of its node and sends the point's files back; only
// rank 0 writes the study directory, so the ranks need no shared filesystem (the study file
// and models must exist at the same paths on every node). A point whose process is killed or
// crashes is rerun (--retries); a worker rank that dies ends the mpirun job (the MPI default),
// and `dnsim sweep DIR --resume` then reruns only the points that were running.
#pragma once

#include <ostream>

#include "testbench/sweep_run.h"
#include "testbench/sweep_study.h"

namespace dnsim::tb {

/// Whether this process was started by mpirun / mpiexec (Open MPI, PMIx or PMI).
bool launched_by_mpirun();

#ifdef DNSIM_HAVE_MPI
/// The MPI sweep of `study` in every rank; with one rank, the local runner.
int run_sweep_mpi(const SweepOptions& opt, Study study, std::ostream& out, std::ostream& err);
#endif

}  // namespace dnsim::tb
