namespace Cacheback.FSharp

open System
open Cacheback

/// What is stored for a key, read the F# way: options instead of nulls and flags.
[<RequireQualifiedAccess>]
module Envelope =

    /// The cached value; None for the empty placeholder a background fill leaves.
    let value (envelope: Envelope<'T>) : 'T option =
        match envelope.TryGetValue() with
        | true, v -> Some v
        | _ -> None

    /// Until when a triggered refresh holds the key; None when no refresh was triggered.
    let leaseUntil (envelope: Envelope<'T>) : DateTimeOffset option = Option.ofNullable envelope.LeaseUntil
