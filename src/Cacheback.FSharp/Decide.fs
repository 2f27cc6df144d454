namespace Cacheback.FSharp

open System
open Cacheback

/// The cache's rules (<see cref="T:Cacheback.Decide"/>) with an option for "nothing stored".
[<RequireQualifiedAccess>]
module Decide =

    /// What a read at <c>now</c> does with what is stored (None: nothing), under <c>policy</c>. Pure and total.
    let read (now: DateTimeOffset) (stored: Envelope<'T> option) (policy: Policy) : Effect<'T> =
        Decide.Read(now, Option.toObj stored, policy)

/// Pattern matching on an <see cref="T:Cacheback.Effect`1"/>, with options for the values.
[<AutoOpen>]
module EffectPatterns =

    /// Return (value, status): serve what is stored (None on a miss) and touch nothing.
    /// ReturnAndEnqueue (value, status, claim): serve it (None on a miss) and claim one background refresh.
    /// FetchSync (status, expectedVersion): fetch now, store over that version, return the result.
    let (|Return|ReturnAndEnqueue|FetchSync|) (effect: Effect<'T>) =
        let valueOf (found: bool, value: 'T) = if found then Some value else None
        match effect with
        | :? Effect<'T>.Return as r -> Return(valueOf (r.TryGetValue()), r.Status)
        | :? Effect<'T>.ReturnAndEnqueue as e -> ReturnAndEnqueue(valueOf (e.TryGetValue()), e.Status, e.Claim)
        | :? Effect<'T>.FetchSync as f -> FetchSync(f.Status, f.ExpectedVersion)
        | _ -> invalidArg (nameof effect) $"Effect is a closed union; {effect.GetType()} is not one of its cases."
