/**
 * qvmm-vmm: from a VM spec to a running QEMU, usable as a library with no daemon and no global
 * state.
 *
 * <pre>{@code
 * SpecReader.Result read = SpecReader.read(Path.of("vm.yaml"), new SpecContext(false));   // validate
 * new AllowedPaths(List.of(Path.of("/srv/vm"))).check(read.spec());                        // host paths confined
 * StoragePlan plan = StoragePlanner.plan(read.spec(), hostFacts, qemuCapabilities);          // pure
 * RunDirectory run = RunDirectory.create(stateDir, plan.vmName());
 * ArtifactPreparer preparer = new ArtifactPreparer(QemuImg.onPath());
 * ArtifactPreparer.Prepared prepared = preparer.prepare(plan.artifacts());   // preparer.warnings(): show them
 * try (VmSession vm = VmSession.launch(new LaunchSpec(plan.vmName(), ArgvRenderer.argv(plan), true,
 *         Duration.ofSeconds(60)), run, event -> System.err.println(event.toLine()))) {
 *     prepared.companions().forEach(c -> c.qemuStarted(vm.qemuPid()));   // e.g. the metrics' VM CPU time
 *     vm.supervise(prepared.companions().stream().filter(c -> c instanceof VirtiofsdCompanion).toList(),
 *             read.spec().filesystemFailurePolicy(), grace);   // a virtiofsd exiting: FilesystemFailed + policy
 *     vm.terminated().join();                                  // or vm.stop(grace), vm.qmp() for more
 * } finally {
 *     prepared.removeEphemeral();                              // companions stopped, run files removed
 * }
 * }</pre>
 *
 * Packages: {@link dev.qvmm.vmm.spec} (KubeVirt YAML -> {@code VmSpec}, every admission error at
 * once), {@link dev.qvmm.vmm.storage} (planning, argv/JSON rendering, artifact preparation),
 * {@link dev.qvmm.vmm.host} (accelerator, O_DIRECT and QEMU capability probes, the host config, allowed paths),
 * {@link dev.qvmm.vmm.launch} (run directory, QEMU process, companions), {@link dev.qvmm.vmm.metrics}
 * (downwardMetrics: the vhostmd disk writer and port server), {@link dev.qvmm.vmm.session} (the
 * running VM and its lifecycle), {@link dev.qvmm.vmm.cli} (the {@code qvmm} command). Failures are
 * {@link dev.qvmm.vmm.VmmException}s with a stable kind.
 */
package dev.qvmm.vmm;
