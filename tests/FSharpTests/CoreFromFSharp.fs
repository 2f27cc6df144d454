/// Cacheback's core, used the way an F# developer would: a cached fetch inside a task pipeline,
/// and the decision function checked as a property.
module Cacheback.FSharpTests.CoreFromFSharp

open System
open System.Threading
open System.Threading.Tasks
open Xunit
open FsCheck
open FsCheck.Xunit
open Microsoft.Extensions.Time.Testing
open Cacheback

let private epoch = DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)

let private fetchProfile (calls: int ref) (user: string) (_: CancellationToken) : Task<string> =
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
        let profiles = Cache.Wrap(fetchProfile calls, policy, name = "profiles", runtime = runtime)

        let! first = profiles.GetAsync "ada"
        let! second = profiles.GetAsync "ada"
        clock.Advance(TimeSpan.FromSeconds 11.)
        let refreshed = runtime.Outcomes |> Reactive.Linq.Observable.FirstAsync |> Reactive.Threading.Tasks.TaskObservableExtensions.ToTask
        let! stale = profiles.GetAsync "ada"
        let! outcome = refreshed
        let! fresh = profiles.GetAsync "ada"

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
            let cached = Cache.Wrap(fetchProfile calls, name = "compose", runtime = runtime)
            fun user -> cached.GetAsync(user).AsTask()

        let! profiles = [ "ada"; "grace"; "ada" ] |> List.map get |> Task.WhenAll

        Assert.Equal<string[]>([| "profile of ada #1"; "profile of grace #2"; "profile of ada #1" |], profiles)
        Assert.Equal(2, calls.Value)
    }

/// What a read of a fresh envelope decides, named the F# way.
let private describe (effect: Effect<string>) =
    effect.Match(
        Return = (fun r -> $"return {r.Status}"),
        ReturnAndEnqueue = (fun e -> $"return {e.Status} and enqueue"),
        FetchSync = (fun f -> $"fetch {f.Status}"))

[<Property(MaxTest = 1000)>]
let ``Decide: a fresh envelope is a hit, whatever the moment before it goes stale`` (NonNegativeInt offset) =
    let lifetime = TimeSpan.FromMinutes 10.
    let policy = Policy.Create(lifetime = lifetime)
    let stored = Envelope.Fresh(1L, "v", epoch, epoch + lifetime)
    let now = epoch + TimeSpan.FromMilliseconds(float (offset % int lifetime.TotalMilliseconds))
    describe (Decide.Read(now, stored, policy)) = "return Hit"

[<Fact>]
let ``Decide: nothing stored fetches now by default, or fills in the background`` () =
    let nothing : Envelope<string> = null
    Assert.Equal("fetch Miss", describe (Decide.Read(epoch, nothing, Policy.Default)))
    Assert.Equal("return Miss and enqueue", describe (Decide.Read(epoch, nothing, Policy.Default.With(fetchOnMiss = false))))

/// A job class, written in F#: only Fetch is required, thresholds are properties.
type Greetings() =
    inherit Job<string, string>()
    let mutable calls = 0
    member _.Calls = calls
    override _.Lifetime = TimeSpan.FromMinutes 5.
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

        Assert.Equal("hello ada", first)
        Assert.Equal(first, second)
        Assert.Equal(1, job.Calls)
        Assert.Equal(TimeSpan.FromMinutes 5., job.Policy.Lifetime)
    }
