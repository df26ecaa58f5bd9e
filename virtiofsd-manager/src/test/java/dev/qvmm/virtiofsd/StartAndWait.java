package dev.qvmm.virtiofsd;

import java.nio.file.Path;
import java.util.Optional;

/** A JVM that starts one daemon, prints its pid and waits: for {@link VirtiofsdTest}'s kill -9 of its parent. */
public final class StartAndWait {

    private StartAndWait() {
    }

    public static void main(String[] args) throws Exception {
        Virtiofsd d = Virtiofsd.start(VirtiofsdBinary.find(Optional.empty()), ShareOptions.of("fs", Path.of(args[0])),
                Path.of(args[1]), Path.of(args[2]));
        System.out.println(d.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
