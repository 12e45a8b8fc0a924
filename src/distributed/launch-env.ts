// The variables a launcher (torchrun, or `tstorch run`) gives each rank.
export interface LaunchEnv {
  rank: number;
  worldSize: number;
  localRank: number;
  localWorldSize: number;
  masterAddr: string;
  masterPort: number;
}

/** This process's launcher variables, or null when it was not started by a launcher (no WORLD_SIZE/RANK). */
export function launchEnv(env: NodeJS.ProcessEnv = process.env): LaunchEnv | null {
  if (env.WORLD_SIZE === undefined || env.RANK === undefined) return null;
  const num = (name: string, fallback?: number): number => {
    const v = env[name];
    if (v === undefined || v === "") {
      if (fallback !== undefined) return fallback;
      throw new Error(`tstorch.distributed: environment variable ${name} expected, but not set`);
    }
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`tstorch.distributed: ${name} must be a non-negative integer, got '${v}'`);
    return n;
  };
  const worldSize = num("WORLD_SIZE");
  const rank = num("RANK");
  return {
    rank,
    worldSize,
    localRank: num("LOCAL_RANK", rank),
    localWorldSize: num("LOCAL_WORLD_SIZE", worldSize),
    masterAddr: env.MASTER_ADDR ?? "127.0.0.1",
    masterPort: num("MASTER_PORT", 29500),
  };
}
