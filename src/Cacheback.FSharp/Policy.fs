namespace Cacheback.FSharp

open System
open Cacheback

/// Building and reading a <see cref="T:Cacheback.Policy"/> with options and Result.
[<RequireQualifiedAccess>]
module Policy =

    /// Validates the thresholds: Ok policy, or Error with every problem found (each names the
    /// threshold and its value). Never throws for a bad value.
    let tryCreate
        (lifetime: TimeSpan)
        (cacheTtl: TimeSpan)
        (refreshTimeout: TimeSpan)
        (fetchOnMiss: bool)
        (fetchOnStaleThreshold: TimeSpan option)
        : Result<Policy, string list> =
        match Policy.TryCreate(lifetime, cacheTtl, refreshTimeout, fetchOnMiss, Option.toNullable fetchOnStaleThreshold) with
        | true, NonNull policy, _ -> Ok policy
        | _, _, errors -> Error(List.ofSeq errors)

    /// Data older than this is fetched synchronously instead of served stale; None: always served.
    let fetchOnStaleThreshold (policy: Policy) : TimeSpan option = Option.ofNullable policy.FetchOnStaleThreshold
