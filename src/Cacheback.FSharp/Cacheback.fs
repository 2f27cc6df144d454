namespace Cacheback.FSharp

open System
open System.Threading
open System.Threading.Tasks
open Cacheback

/// A job definition from F#: the fetch and a name, and, as named optional arguments, the policy, the
/// empty value, the tags and django-cacheback's hooks as F# functions. Values are stored as JSON,
/// as in every wrap of the <c>Cacheback</c> module.
/// <code>Definition.Of("profiles", fetchProfile, policy = p, fetchOnMiss = fun user -> user <> "guest")</code>
[<AbstractClass; Sealed>]
type Definition =
    /// A definition of the job <c>name</c> over <c>fetch</c>; what is left out takes the runtime's default.
    static member Of
        (
            name: string,
            fetch: 'Args -> Task<'T>,
            ?policy: Policy,
            ?empty: 'T,
            ?tags: 'Args -> string list,
            ?fetchOnMiss: 'Args -> bool,
            ?fetchStale: 'Args -> TimeSpan -> bool,
            ?expiry: 'Args -> DateTimeOffset -> DateTimeOffset,
            ?timeout: 'Args -> DateTimeOffset -> DateTimeOffset,
            ?processResult: 'T -> 'Args -> CacheStatus -> bool option -> 'T
        ) : JobDefinition<'Args, 'T> =
        JobDefinition<'Args, 'T>(
            Func<'Args, CancellationToken, Task<'T>>(fun args _ -> fetch args),
            Name = name,
            Policy = Option.toObj policy,
            ValueSerializer = JsonPayloadSerializer<'T>.Default,
            Empty = Option.toObj (empty |> Option.map (fun value -> Func<'T>(fun () -> value))),
            Tags = Option.toObj (tags |> Option.map (fun tagsOf -> Func<'Args, Collections.Generic.IEnumerable<string>>(fun args -> tagsOf args :> _))),
            ShouldFetchOnMiss = Option.toObj (fetchOnMiss |> Option.map (fun hook -> Func<'Args, bool>(hook))),
            ShouldFetchStale = Option.toObj (fetchStale |> Option.map (fun hook -> Func<'Args, TimeSpan, bool>(fun args delta -> hook args delta))),
            Expiry = Option.toObj (expiry |> Option.map (fun hook -> Func<'Args, DateTimeOffset, DateTimeOffset>(fun args now -> hook args now))),
            Timeout = Option.toObj (timeout |> Option.map (fun hook -> Func<'Args, DateTimeOffset, DateTimeOffset>(fun args now -> hook args now))),
            ProcessResult =
                Option.toObj (
                    processResult
                    |> Option.map (fun hook ->
                        Func<'T, 'Args, CacheStatus, Nullable<bool>, 'T>(fun value args status sync ->
                            hook value args status (Option.ofNullable sync)))
                )
        )

/// Cached functions for F#: wrap a <c>'Args -> Task&lt;'T&gt;</c> or <c>'Args -> Async&lt;'T&gt;</c>, then read
/// it with Async (get, rawGet, ...) or Task (getAsync, rawGetAsync) and options instead of nulls.
[<RequireQualifiedAccess>]
module Cacheback =

    // Job names travel in refresh requests, so they must be the same in every process that runs
    // this build: the compiled closure type of the function value is (F# makes one per place a
    // function is passed, as C# does per lambda). A name is never made unique by a counter, which
    // would depend on the order of wrapping: wrapping twice from the same code is an error.
    let private maxNameLength = 200

    let private nameOf (fetch: obj) =
        let t = fetch.GetType()
        let t = if t.IsGenericType then t.GetGenericTypeDefinition() else t
        let name = (match t.FullName with | null -> t.Name | full -> full).Replace('+', '.')
        if name.Length <= maxNameLength then name else name.Substring(name.Length - maxNameLength)

    // F# values are stored as JSON: System.Text.Json reads and writes F# records, lists, sets, maps
    // and options, which MessagePack's contractless resolver (the C# default) cannot write.
    let private json<'T> () : IPayloadSerializer<'T> = JsonPayloadSerializer<'T>.Default

    let private ofTask (fetch: 'Args -> Task<'T>) = Func<'Args, CancellationToken, Task<'T>>(fun args _ -> fetch args)

    let private ofAsync (fetch: 'Args -> Async<'T>) =
        Func<'Args, CancellationToken, Task<'T>>(fun args cancel -> Async.StartAsTask(fetch args, cancellationToken = cancel))

    /// Wraps <c>fetch</c> in a cache on <c>runtime</c>, registered as <c>name</c> (which must be free).
    /// Values are stored as JSON (F# records, lists, sets, maps and options read back), in every
    /// wrap of this module.
    /// Use this in an app with a host: the runtime is the one dependency injection built.
    let wrapIn (runtime: CachebackRuntime) (name: string) (fetch: 'Args -> Task<'T>) (policy: Policy) : CachedFetch<'Args, 'T> =
        Cache.Wrap(ofTask fetch, policy, name = name, runtime = runtime, serializer = json ())

    /// Wraps <c>fetch</c> in a cache on the default (embedded) runtime, named after the code that
    /// passes the function (its compiled closure), so a worker that wraps it in the same shared code
    /// finds it under the same name. Callers never wait for a refresh; concurrent callers of one
    /// key share one fetch. Throws <c>ArgumentException</c> naming the job when that code already wrapped it.
    let wrap (fetch: 'Args -> Task<'T>) (policy: Policy) : CachedFetch<'Args, 'T> =
        Cache.Wrap(ofTask fetch, policy, name = nameOf fetch, serializer = json ())

    /// Like wrapIn, for an Async fetch: it is
    /// cancelled when it outlasts the policy's refresh timeout.
    let wrapAsyncIn (runtime: CachebackRuntime) (name: string) (fetch: 'Args -> Async<'T>) (policy: Policy) : CachedFetch<'Args, 'T> =
        Cache.Wrap(ofAsync fetch, policy, name = name, runtime = runtime, serializer = json ())

    /// Like wrap, for an Async fetch: it is
    /// cancelled when it outlasts the policy's refresh timeout.
    let wrapAsync (fetch: 'Args -> Async<'T>) (policy: Policy) : CachedFetch<'Args, 'T> =
        Cache.Wrap(ofAsync fetch, policy, name = nameOf fetch, serializer = json ())

    /// Runs <c>definition</c> (see <c>Definition.Of</c>) on <c>runtime</c>: the same job a C# <c>Job</c> class
    /// or <c>Cache.Wrap</c> makes, its hooks F# functions.
    let wrapDefinition (runtime: CachebackRuntime) (definition: JobDefinition<'Args, 'T>) : CachedFetch<'Args, 'T> =
        Cache.Wrap(definition, runtime)

    /// The cached value as a Task: fresh, stale while one refresh runs, or fetched now on a miss.
    let getAsync (args: 'Args) (cached: CachedFetch<'Args, 'T>) : Task<'T> = cached.GetAsync(args).AsTask()

    /// The cached value (see getAsync); the Async's cancellation stops this caller waiting, never a shared fetch.
    let get (args: 'Args) (cached: CachedFetch<'Args, 'T>) : Async<'T> =
        async {
            let! cancel = Async.CancellationToken
            return! cached.GetAsync(args, cancel).AsTask() |> Async.AwaitTask
        }

    /// What is stored for <c>args</c>, with no side effects; None when absent, unreadable or past its TTL.
    let rawGetAsync (args: 'Args) (cached: CachedFetch<'Args, 'T>) : Task<Envelope<'T> option> =
        task {
            let! stored = cached.RawGetAsync(args)
            return Option.ofObj stored
        }

    /// What is stored for <c>args</c> (see rawGetAsync).
    let rawGet (args: 'Args) (cached: CachedFetch<'Args, 'T>) : Async<Envelope<'T> option> =
        async {
            let! cancel = Async.CancellationToken
            let! stored = cached.RawGetAsync(args, cancel) |> Async.AwaitTask
            return Option.ofObj stored
        }

    /// Stores <c>value</c> for <c>args</c> as if just fetched.
    let set (args: 'Args) (value: 'T) (cached: CachedFetch<'Args, 'T>) : Async<unit> =
        async {
            let! cancel = Async.CancellationToken
            return! cached.SetAsync(args, value, cancel) |> Async.AwaitTask
        }

    /// Removes the item; whether one was there.
    let delete (args: 'Args) (cached: CachedFetch<'Args, 'T>) : Async<bool> =
        async {
            let! cancel = Async.CancellationToken
            return! cached.DeleteAsync(args, cancel) |> Async.AwaitTask
        }

    /// Marks the item stale and enqueues its refresh; whether an item was there.
    let invalidate (args: 'Args) (cached: CachedFetch<'Args, 'T>) : Async<bool> =
        async {
            let! cancel = Async.CancellationToken
            return! cached.InvalidateAsync(args, cancel) |> Async.AwaitTask
        }

    /// Fetches now, stores and returns the value.
    let refresh (args: 'Args) (cached: CachedFetch<'Args, 'T>) : Async<'T> =
        async {
            let! cancel = Async.CancellationToken
            return! cached.RefreshAsync(args, cancel) |> Async.AwaitTask
        }
