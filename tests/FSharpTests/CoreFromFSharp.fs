/// Cacheback used the way an F# developer would, through Cacheback.FSharp: cached functions
/// with Async and Task, options instead of nulls, Result for a policy, and the decision function
/// checked as a property with pattern matching on its effects.
module Cacheback.FSharpTests.CoreFromFSharp

open System
open System.Threading
open System.Threading.Tasks
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open Microsoft.Extensions.Time.Testing
open Cacheback
open Cacheback.FSharp

let private epoch = DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)

let private fetchProfile (calls: int ref) (user: string) : Task<string> =
    task {
        calls.Value <- calls.Value + 1
        return $"profile of {user} #{calls.Value}"
    }

[<Fact>]
let ``a wrapped fetch serves hits, then stale values while one refresh runs`` () =
    task {
        let clock = FakeTimeProvider(epoch)
        use runtime = new CachebackRuntime(CachebackRuntimeOptions(TimeProvider = clock))
        let calls = ref 0
        let policy = Policy.Create(lifetime = TimeSpan.FromSeconds 10., refreshTimeout = TimeSpan.FromSeconds 30.)
        let profiles = Cacheback.wrapIn runtime "profiles" (fetchProfile calls) policy

        let! first = profiles |> Cacheback.get "ada"
        let! second = profiles |> Cacheback.get "ada"
        clock.Advance(TimeSpan.FromSeconds 11.)
        let refreshed = runtime.Outcomes |> Reactive.Linq.Observable.FirstAsync |> Reactive.Threading.Tasks.TaskObservableExtensions.ToTask
        let! stale = profiles |> Cacheback.get "ada"
        let! outcome = refreshed
        let! fresh = profiles |> Cacheback.getAsync "ada"

        Assert.Equal("profile of ada #1", first)
        Assert.Equal(first, second)
        Assert.Equal(first, stale)
        Assert.Equal(RefreshResult.Succeeded, outcome.Result)
        Assert.Equal("profile of ada #2", fresh)
    }

[<Fact>]
let ``a cached fetch composes as an ordinary function`` () =
    task {
        use runtime = new CachebackRuntime()
        let calls = ref 0
        let get : string -> Task<string> =
            let cached = Cacheback.wrapIn runtime "compose" (fetchProfile calls) Policy.Default
            fun user -> cached |> Cacheback.getAsync user

        let! profiles = [ "ada"; "grace"; "ada" ] |> List.map get |> Task.WhenAll

        Assert.Equal<string[]>([| "profile of ada #1"; "profile of grace #2"; "profile of ada #1" |], profiles)
        Assert.Equal(2, calls.Value)
    }

[<Fact>]
let ``rawGet is None until a value is stored, then Some envelope read with options`` () =
    task {
        use runtime = new CachebackRuntime()
        let calls = ref 0
        let profiles = Cacheback.wrapIn runtime "raw" (fetchProfile calls) Policy.Default

        let! before = profiles |> Cacheback.rawGet "ada"
        let! _ = profiles |> Cacheback.get "ada"
        let! after = profiles |> Cacheback.rawGetAsync "ada"

        Assert.Equal(None, before)
        match after with
        | Some envelope ->
            Assert.Equal(Some "profile of ada #1", Envelope.value envelope)
            Assert.Equal(None, Envelope.leaseUntil envelope)
        | None -> failwith "the fetched value was not stored"
        Assert.Equal(1, calls.Value)
    }

[<Fact>]
let ``set, invalidate, refresh and delete read as Async`` () =
    async {
        use runtime = new CachebackRuntime(CachebackRuntimeOptions(RunRefreshWorker = false))
        let calls = ref 0
        let profiles = Cacheback.wrapIn runtime "operations" (fetchProfile calls) Policy.Default

        do! profiles |> Cacheback.set "ada" "set by hand"
        let! set = profiles |> Cacheback.get "ada"
        let! invalidated = profiles |> Cacheback.invalidate "ada"
        let! leased = profiles |> Cacheback.rawGet "ada"
        let! refreshed = profiles |> Cacheback.refresh "ada"
        let! deleted = profiles |> Cacheback.delete "ada"
        let! gone = profiles |> Cacheback.rawGet "ada"

        Assert.Equal("set by hand", set)
        Assert.True invalidated
        Assert.True(leased |> Option.bind Envelope.leaseUntil |> Option.isSome)
        Assert.Equal("profile of ada #1", refreshed)
        Assert.True deleted
        Assert.Equal(None, gone)
    }
    |> Async.StartAsTask

[<Fact>]
let ``an Async fetch is cached, and gets a token that the refresh timeout cancels`` () =
    task {
        use runtime = new CachebackRuntime()
        let tokens = Collections.Concurrent.ConcurrentBag<CancellationToken>()
        let fetch (user: string) =
            async {
                let! token = Async.CancellationToken
                tokens.Add token
                return user.ToUpperInvariant()
            }
        let shout = Cacheback.wrapAsyncIn runtime "shout" fetch Policy.Default

        let! first = shout |> Cacheback.get "ada"
        let! second = shout |> Cacheback.getAsync "ada"

        Assert.Equal("ADA", first)
        Assert.Equal(first, second)
        let token = Assert.Single tokens
        Assert.True(token.CanBeCanceled)
    }

/// Public: System.Text.Json builds a record through its constructor, which a private F# type hides.
type Profile = { Name: string; Tags: string list; Manager: string option }

[<Fact>]
let ``F# records with lists and options are stored as bytes and read back as hits`` () =
    task {
        // A store that keeps bytes: every value goes through the serializer on write and read.
        use runtime = new CachebackRuntime(CachebackRuntimeOptions(Store = EncodedStore(MemoryBinaryStore())))
        let calls = ref 0
        let fetch (user: string) =
            task {
                calls.Value <- calls.Value + 1
                return { Name = user; Tags = [ "admin"; "ops" ]; Manager = Some "grace" }
            }
        let profiles = Cacheback.wrapIn runtime "fsharp-values" fetch Policy.Default

        let! first = profiles |> Cacheback.getAsync "ada"
        let! again = profiles |> Cacheback.getAsync "ada"

        Assert.Equal(first, again)
        Assert.Equal<string list>([ "admin"; "ops" ], again.Tags)
        Assert.Equal(1, calls.Value) // the second read decoded the stored bytes: a hit
    }

let private upper (user: string) = Task.FromResult(user.ToUpperInvariant())
let private lower (user: string) = async { return user.ToLowerInvariant() }
let private wrapUpper () = Cacheback.wrap upper Policy.Default

[<Fact>]
let ``wrap names a cached function after the code that wraps it, the same in every process of one build`` () =
    task {
        use byTask = wrapUpper ()
        use byAsync = Cacheback.wrapAsync lower Policy.Default

        let! shouted = byTask |> Cacheback.get "Ada"
        let! quiet = byAsync |> Cacheback.get "Ada"
        let again = Assert.Throws<ArgumentException>(fun () -> wrapUpper () |> ignore)

        Assert.Equal("ADA", shouted)
        Assert.Equal("ada", quiet)
        Assert.NotEqual<string>(byTask.Name, byAsync.Name)
        Assert.StartsWith("Cacheback.FSharpTests.CoreFromFSharp.", byTask.Name)
        Assert.Contains(byTask.Name, again.Message)
    }

[<Fact>]
let ``Policy.tryCreate returns Ok, or Error with every problem`` () =
    let day = TimeSpan.FromDays 1.
    match Policy.tryCreate (TimeSpan.FromMinutes 1.) day (TimeSpan.FromMinutes 2.) true (Some(TimeSpan.FromMinutes 5.)) with
    | Ok policy -> Assert.Equal(Some(TimeSpan.FromMinutes 5.), Policy.fetchOnStaleThreshold policy)
    | Error errors -> failwith $"valid thresholds were refused: %A{errors}"
    match Policy.tryCreate TimeSpan.Zero day (TimeSpan.FromDays 2.) true None with
    | Ok policy -> failwith $"invalid thresholds made %O{policy}"
    | Error errors ->
        Assert.Equal<string list>(
            [ "Lifetime must be at least 1 ms, but was 00:00:00"; "RefreshTimeout (2.00:00:00) must not exceed CacheTtl (1.00:00:00)" ],
            errors)
    Assert.Equal(None, Policy.fetchOnStaleThreshold Policy.Default)

/// What a read decides, named the F# way: a match on the effect, values as options.
let private describe (effect: Effect<'T>) =
    match effect with
    | Return(Some value, status) -> $"return {value} {status}"
    | Return(None, status) -> $"return nothing {status}"
    | ReturnAndEnqueue(Some value, status, _) -> $"return {value} {status} and enqueue"
    | ReturnAndEnqueue(None, status, claim) -> $"return nothing {status} and enqueue over v{claim.ExpectedVersion}"
    | FetchSync(status, expected) -> $"fetch {status} over v{expected}"


[<Property(MaxTest = 1000)>]
let ``Decide: a fresh envelope is a hit, whatever the moment before it goes stale`` (NonNegativeInt offset) =
    let lifetime = TimeSpan.FromMinutes 10.
    let policy = Policy.Create(lifetime = lifetime)
    let stored = Envelope.Fresh(1L, "v", epoch, epoch + lifetime)
    let now = epoch + TimeSpan.FromMilliseconds(float (offset % int lifetime.TotalMilliseconds))
    describe (Decide.read now (Some stored) policy) = "return v Hit"

[<Property(MaxTest = 1000)>]
let ``Decide: a stale envelope is served while one refresh is claimed, for values of any type`` (NonNegativeInt offset) =
    let lifetime = TimeSpan.FromMinutes 10.
    let policy = Policy.Create(lifetime = lifetime)
    let stored = Envelope.Fresh(7L, 42, epoch, epoch + lifetime)
    let now = epoch + lifetime + TimeSpan.FromMilliseconds(float offset)
    match Decide.read now (Some stored) policy with
    | ReturnAndEnqueue(Some 42, CacheStatus.Stale, claim) -> claim.ExpectedVersion = 7L && claim.LeaseUntil = now + policy.RefreshTimeout
    | _ -> false

[<Fact>]
let ``Decide: nothing stored fetches now by default, or fills in the background`` () =
    let nothing : Envelope<string> option = None
    Assert.Equal("fetch Miss over v0", describe (Decide.read epoch nothing Policy.Default))
    Assert.Equal("return nothing Miss and enqueue over v0", describe (Decide.read epoch nothing (Policy.Default.With(fetchOnMiss = false))))

/// A job class, written in F#: only Fetch is required; the thresholds are its policy.
type Greetings() =
    inherit Job<string, string>()
    let mutable calls = 0
    member _.Calls = calls
    override this.Policy = this.Runtime.Options.DefaultPolicy.With(lifetime = TimeSpan.FromMinutes 5.)
    override _.Fetch(name, _) =
        calls <- calls + 1
        Task.FromResult $"hello {name}"

[<Fact>]
let ``a job subclass written in F# caches its fetch`` () =
    task {
        use runtime = new CachebackRuntime()
        let job = Greetings()
        job.AttachTo runtime

        let! first = job.GetAsync "ada"
        let! second = job.GetAsync "ada"
        let! stored = job.RawGetAsync "ada"

        Assert.Equal("hello ada", first)
        Assert.Equal(first, second)
        Assert.Equal(1, job.Calls)
        Assert.Equal(TimeSpan.FromMinutes 5., job.Policy.Lifetime)
        Assert.Equal(Some "hello ada", stored |> Option.ofObj |> Option.bind Envelope.value)
    }

[<Fact>]
let ``a job defined in F# takes its hooks as F# functions`` () =
    task {
        let clock = FakeTimeProvider(epoch)
        use runtime = new CachebackRuntime(CachebackRuntimeOptions(TimeProvider = clock, RunRefreshWorker = false))
        let calls = ref 0
        let seen = ResizeArray<CacheStatus * bool option>()
        let definition =
            Definition.Of(
                "fsharp-hooks",
                fetchProfile calls,
                policy = Policy.Create(lifetime = TimeSpan.FromMinutes 1.),
                empty = "nobody",
                fetchOnMiss = (fun user -> user <> "guest"),
                expiry = (fun _ now -> now.AddMinutes 3.),
                processResult = (fun value _ status sync -> seen.Add((status, sync)); value.ToUpperInvariant())
            )
        use profiles = Cacheback.wrapDefinition runtime definition

        let! guest = profiles |> Cacheback.getAsync "guest"
        let! ada = profiles |> Cacheback.getAsync "ada"
        let! again = profiles |> Cacheback.getAsync "ada"
        let! stored = profiles |> Cacheback.rawGetAsync "ada"

        Assert.Equal("NOBODY", guest)
        Assert.Equal("PROFILE OF ADA #1", ada)
        Assert.Equal("PROFILE OF ADA #1", again)
        Assert.Equal(1, calls.Value)
        Assert.Equal(Some(epoch.AddMinutes 3.), stored |> Option.map (fun envelope -> envelope.FreshUntil))
        Assert.Equal<(CacheStatus * bool option) list>([ (CacheStatus.Miss, Some false); (CacheStatus.Miss, Some true); (CacheStatus.Hit, None) ], List.ofSeq seen)
    }
